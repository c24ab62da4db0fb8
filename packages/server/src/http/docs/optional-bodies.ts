type Media = { schema?: { required?: readonly unknown[] } };
type Operation = { requestBody?: { required?: boolean; content?: Record<string, Media> } };
type Document = { paths?: Record<string, Record<string, unknown> | undefined> };

/**
 * @fastify/swagger marks every request body required, because Fastify refuses a missing body on a
 * route that validates one; Depot's documented routes validate nothing (documented.ts), so a body
 * is required only when its schema requires a property. The others may be left out: the `{expiresIn?}`
 * of a download link, the first chunk of a tus creation.
 */
export function markOptionalBodies<T extends Document>(doc: T): T {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(operations ?? {}) as Operation[]) {
      const body = op.requestBody;
      if (body === undefined) continue;
      body.required = Object.values(body.content ?? {}).some((m) => (m.schema?.required?.length ?? 0) > 0);
    }
  }
  return doc;
}
