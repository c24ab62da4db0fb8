import type { DatasetRepository } from '../ports/dataset-repository.js';
import { errors } from './errors.js';

/** The store's datasets, or a clear 501 where the configured store has none (Postgres, for now). */
export function requireDatasets(datasets: DatasetRepository | undefined): DatasetRepository {
  if (!datasets) {
    throw errors.notSupported('datasets (csv-import) need the SQLite metadata store in this build');
  }
  return datasets;
}
