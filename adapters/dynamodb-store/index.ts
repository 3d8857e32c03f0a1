export { DynamoDbStore, type DynamoDbStoreOptions } from './dynamodb-store';
export { createTable, tableDefinition, TTL_ATTRIBUTE } from './table';
