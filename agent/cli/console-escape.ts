/**
 * The console's escape, as ssh and ipmitool have it: `~.` at the start of a line detaches, `~~`
 * sends one `~`; a `~` followed by anything else is sent as typed. Pure: bytes in, what to send
 * and whether to detach out.
 */
const TILDE = 0x7e;
const DOT = 0x2e;

export class ConsoleEscape {
  private atLineStart = true;
  private tilde = false;

  /** The bytes to send for what was typed, and whether the user asked to detach (bytes after `~.` are dropped). */
  feed(typed: Uint8Array): { send: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const b of typed) {
      if (this.tilde) {
        this.tilde = false;
        if (b === DOT) return { send: Buffer.from(out), detach: true };
        if (b !== TILDE) out.push(TILDE);
        out.push(b);
      } else if (this.atLineStart && b === TILDE) {
        this.tilde = true;
        continue;
      } else {
        out.push(b);
      }
      this.atLineStart = b === 0x0d || b === 0x0a;
    }
    return { send: Buffer.from(out), detach: false };
  }
}
