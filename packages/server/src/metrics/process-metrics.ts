import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/**
 * Node's default metrics (CPU, memory, event-loop lag, GC, handles) describe the process, not one
 * server in it: they are collected once per process, into a registry of their own that every
 * server's scrape merges in. (Collecting them per server would start a GC observer and an
 * event-loop monitor for each server, never stopped.)
 */
export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
