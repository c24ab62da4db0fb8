import type { Dataset, NewDataset, RowPage } from './api-types.js';
import { type JsonApi, seg } from './json-api.js';

/** Datasets that csv-import jobs fill: declare, list, get, and page through rows. */
export class DatasetsApi {
  constructor(private readonly api: JsonApi) {}

  declare(input: NewDataset, signal?: AbortSignal): Promise<Dataset> {
    return this.api.call('POST', '/api/datasets', { body: input, signal });
  }

  async list(signal?: AbortSignal): Promise<Dataset[]> {
    return (await this.api.call<{ datasets: Dataset[] }>('GET', '/api/datasets', { signal })).datasets;
  }

  get(name: string, signal?: AbortSignal): Promise<Dataset> {
    return this.api.call('GET', `/api/datasets/${seg(name)}`, { signal });
  }

  /** Rows in insertion order after position `after` (0: from the start). */
  rows(
    name: string,
    options: { after?: number; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<RowPage> {
    return this.api.call('GET', `/api/datasets/${seg(name)}/rows`, { query: { ...options }, signal });
  }
}
