import type { Command } from '../command.js';
import { download } from './download.js';
import { serve } from './serve.js';
import { upload } from './upload.js';

/**
 * Every `depot` command. A new command is a file in this directory and one line here (kept in
 * alphabetical order, so commands added at the same time rarely touch the same line).
 */
export const COMMANDS: readonly Command[] = [download, serve, upload];
