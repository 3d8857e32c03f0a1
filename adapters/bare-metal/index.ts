export {
  BareMetalProvider,
  memoryRecord,
  type BareMetalProviderOptions,
  type BoundReports,
  type OwnerRecord,
} from './provider';
