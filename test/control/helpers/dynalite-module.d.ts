// dynalite ships no type declarations; this is the part the tests use.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  export default function dynalite(options?: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; maxItemSizeKb?: number }): Server;
}
