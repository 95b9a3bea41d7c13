// Commands owned by later issues answer this until they exist: a usage error (exit 64, EX_USAGE),
// as for any command this version cannot run; nothing is written.
import { EXIT } from '../../engine/exit-codes.ts';

export function notImplemented(command: string, write: (text: string) => void = (t) => void process.stderr.write(t)): number {
  write(`rebuild ${command}: not implemented yet in this version; nothing was written\n`);
  return EXIT.USAGE;
}
