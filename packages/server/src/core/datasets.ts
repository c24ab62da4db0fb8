import type {
  ColumnDef,
  ColumnType,
  DatasetRecord,
  DatasetRepository,
  RowPage,
} from '../ports/dataset-repository.js';
import type { Actor } from './actor.js';
import { errors } from './errors.js';
import { newUploadId } from './ids.js';

export interface DeclareDataset {
  readonly name: unknown;
  readonly columns: unknown;
  readonly keys?: unknown;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const TYPES: readonly ColumnType[] = ['string', 'integer', 'number', 'date', 'boolean'];
const MAX_COLUMNS = 200;

/** Datasets: declared by their owner (typed columns, key columns), filled by csv-import jobs. */
export class DatasetService {
  constructor(
    private readonly datasets: DatasetRepository,
    private readonly now: () => number,
  ) {}

  async declare(actor: Actor, input: DeclareDataset): Promise<DatasetRecord> {
    const dataset: DatasetRecord = {
      id: newUploadId(),
      owner: actor.owner,
      name: datasetName(input.name),
      columns: columnDefs(input.columns),
      keys: [],
      createdAt: this.now(),
    };
    const withKeys = { ...dataset, keys: keyNames(input.keys ?? [], dataset.columns) };
    if (!(await this.datasets.create(withKeys))) {
      throw errors.datasetExists(`you already have a dataset named ${withKeys.name}`);
    }
    return withKeys;
  }

  async get(actor: Actor, name: string): Promise<DatasetRecord> {
    const d = await this.datasets.get(actor.owner, name);
    if (!d) throw errors.notFound(`no dataset ${name}`);
    return d;
  }

  list(actor: Actor): Promise<DatasetRecord[]> {
    return this.datasets.list(actor.owner);
  }

  async rows(actor: Actor, name: string, after: number, limit: number): Promise<RowPage> {
    return this.datasets.rows(await this.get(actor, name), after, limit);
  }
}

function datasetName(v: unknown): string {
  if (typeof v !== 'string' || !NAME.test(v)) {
    throw errors.badRequest('name must be 1-64 letters, digits, _ . or -, starting with a letter');
  }
  return v;
}

function columnDefs(v: unknown): ColumnDef[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_COLUMNS) {
    throw errors.badRequest(`columns must be a list of 1 to ${MAX_COLUMNS} columns`);
  }
  const cols = v.map((c: unknown, i): ColumnDef => {
    const col = c as { name?: unknown; type?: unknown; required?: unknown } | null;
    if (typeof col?.name !== 'string' || col.name === '' || col.name.length > 200) {
      throw errors.badRequest(`columns[${i}].name must be a non-empty string`);
    }
    // rows travel as JSON objects, where this one name is not an ordinary key
    if (col.name === '__proto__') throw errors.badRequest(`columns[${i}].name may not be __proto__`);
    if (!TYPES.includes(col.type as ColumnType)) {
      throw errors.badRequest(`columns[${i}].type must be one of ${TYPES.join(', ')}`);
    }
    if (col.required !== undefined && typeof col.required !== 'boolean') {
      throw errors.badRequest(`columns[${i}].required must be true or false`);
    }
    return { name: col.name, type: col.type as ColumnType, required: col.required === true };
  });
  if (new Set(cols.map((c) => c.name)).size !== cols.length)
    throw errors.badRequest('column names must differ');
  return cols;
}

/** Key columns must be declared, and are required (an upsert key cannot be empty). */
function keyNames(v: unknown, cols: readonly ColumnDef[]): string[] {
  if (!Array.isArray(v) || v.some((k) => typeof k !== 'string')) {
    throw errors.badRequest('keys must be a list of column names');
  }
  const keys = v as string[];
  for (const k of keys) {
    const col = cols.find((c) => c.name === k);
    if (!col) throw errors.badRequest(`key ${k} is not a column`);
    if (!col.required) throw errors.badRequest(`key column ${k} must be required`);
  }
  if (new Set(keys).size !== keys.length) throw errors.badRequest('keys must differ');
  return keys;
}
