/**
 * A small typed event emitter for the agent's subsystems (DHCP events, boot requests, BMC state).
 * A listener that throws is reported to `onListenerError` and never breaks the emitter or the
 * other listeners: one buggy consumer must not stop DHCP events reaching the state machine.
 */
export type Listener<T> = (event: T) => void;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** Subscribe; returns the unsubscribe function. */
  on(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: T): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
