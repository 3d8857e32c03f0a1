export { emptyGroup, type GroupData } from './group-data';
export { isNewer, MemoryStore } from './memory-store';
