/** Who is making a request: the owner its token belongs to, and whether it is an admin. */
export interface Actor {
  readonly owner: string;
  readonly admin: boolean;
  readonly tokenId: string;
}

/** Admins see everything; anyone else only what they own. */
export const canSee = (actor: Actor, owner: string): boolean => actor.admin || actor.owner === owner;
