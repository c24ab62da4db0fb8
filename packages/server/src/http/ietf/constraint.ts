import type { IncomingMessage } from 'node:http';

/** The route constraint that sends draft requests to the draft's handlers on the same paths. */
export const DRAFT_CONSTRAINT = 'resumableUploadDraft';

/**
 * A request speaks the IETF draft when it names an interop version and no tus version (a request
 * with both is tus). Routes without the constraint (the tus ones, GET downloads) still match
 * draft requests the draft's routes do not handle.
 */
export const draftConstraintStrategy = {
  name: DRAFT_CONSTRAINT,
  storage<H>() {
    const handlers = new Map<string, H>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, handler: H) => {
        handlers.set(value, handler);
      },
    };
  },
  // (find-my-way reads undefined as "not derived": only unconstrained routes then match)
  deriveConstraint: (req: IncomingMessage): string =>
    (req.headers['upload-draft-interop-version'] !== undefined && req.headers['tus-resumable'] === undefined
      ? 'ietf'
      : undefined) as string,
  mustMatchWhenDerived: false,
};
