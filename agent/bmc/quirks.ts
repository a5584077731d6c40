/**
 * What a driver learned about one BMC's deviations while talking to it ("ETag required", "boot
 * mode read-only", ...), in words for `racker ipmi <node> diag`, each said once, in order.
 */
export class Quirks {
  private readonly seen = new Set<string>();

  constructor(private readonly onNew: (quirk: string) => void = () => undefined) {}

  add(quirk: string): void {
    if (this.seen.has(quirk)) return;
    this.seen.add(quirk);
    this.onNew(quirk);
  }

  list(): string[] {
    return [...this.seen];
  }
}
