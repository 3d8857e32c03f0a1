export { isNewer, MemoryStore } from './memory-store';
