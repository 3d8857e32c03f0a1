import { MemoryStore } from '../../adapters/memory-store';
import { storeContract } from './store-contract';

storeContract('MemoryStore', async () => ({ store: new MemoryStore(), close: async () => {} }));
