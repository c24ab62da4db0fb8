import type { Command } from '../command.js';
import { TOKEN_USAGE, tokenCommand } from '../token-command.js';

export const token: Command = {
  name: 'token',
  summary: 'token create NAME [--owner O] [--quota SIZE] | ls | revoke ID   manage API tokens (admin)',
  usage: TOKEN_USAGE,
  run: (args) => tokenCommand(args),
};
