import type { NewToken, TokenInfo } from './api-types.js';
import { type JsonApi, seg } from './json-api.js';

/** API tokens (admin only): issue, list, revoke. */
export class TokensApi {
  constructor(private readonly api: JsonApi) {}

  /** Issues a token; its secret (`token`) is in this one answer only. */
  create(input: NewToken, signal?: AbortSignal): Promise<TokenInfo & { readonly token: string }> {
    return this.api.call('POST', '/api/tokens', { body: input, signal });
  }

  async list(signal?: AbortSignal): Promise<TokenInfo[]> {
    return (await this.api.call<{ tokens: TokenInfo[] }>('GET', '/api/tokens', { signal })).tokens;
  }

  /** The token fails from the next request on. */
  async revoke(id: string, signal?: AbortSignal): Promise<void> {
    await this.api.call('DELETE', `/api/tokens/${seg(id)}`, { signal });
  }
}
