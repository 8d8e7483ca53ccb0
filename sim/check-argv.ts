import { decodeCommand, encodeCommand, powershellArgs } from '../commands/render-script.js';

/** The fixed switches of the contract, before the encoded script. */
const SWITCHES = powershellArgs('').slice(0, -1);

/**
 * The decoded script when argv is exactly the contract
 * (`-NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64>`),
 * otherwise a sentence saying what differs.
 */
export function checkArgv(argv: readonly string[]): { script: string } | { problem: string } {
  if (argv.length !== SWITCHES.length + 1) {
    return { problem: `expected ${SWITCHES.length + 1} arguments (${SWITCHES.join(' ')} <base64>), got ${argv.length}: ${argv.join(' ').slice(0, 200)}` };
  }
  for (const [i, want] of SWITCHES.entries()) {
    if (argv[i] !== want) return { problem: `argument ${i + 1} should be ${want}, got ${String(argv[i]).slice(0, 80)}` };
  }
  const encoded = argv[SWITCHES.length] as string;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    return { problem: '-EncodedCommand is not base64' };
  }
  const script = decodeCommand(encoded);
  // Buffer's decoder is lenient; a round trip proves it was base64 of UTF-16LE text.
  if (encodeCommand(script) !== encoded) return { problem: '-EncodedCommand is not base64 of a UTF-16LE script' };
  return { script };
}
