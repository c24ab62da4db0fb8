import type { Command } from '../command.js';
import { download } from './download.js';
import { info } from './info.js';
import { jobs } from './jobs.js';
import { link } from './link.js';
import { ls } from './ls.js';
import { processFile } from './process.js';
import { report } from './report.js';
import { rm } from './rm.js';
import { serve } from './serve.js';
import { token } from './token.js';
import { upload } from './upload.js';
import { webhooks } from './webhooks.js';

/**
 * Every `depot` command. A new command is a file in this directory and one line here (kept in
 * alphabetical order, so commands added at the same time rarely touch the same line).
 */
export const COMMANDS: readonly Command[] = [
  download,
  info,
  jobs,
  link,
  ls,
  processFile,
  report,
  rm,
  serve,
  token,
  upload,
  webhooks,
];
