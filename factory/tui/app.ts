/**
 * The blessed layer of the factory editor: one full-screen box showing renderScreen's lines,
 * keys forwarded to the session reducer, effects (save, import, discover) run here and their
 * results fed back. Loaded with `await import()` only by `racker factory`, so no other command
 * pays for blessed.
 */
import blessed from 'blessed';
import { afterDiscovery, afterImport, afterSave, reduce } from '../session.js';
import type { Effect, SessionState } from '../session-state.js';
import type { DiscoverySource } from '../discovery.js';
import type { ImportResult } from '../table-model.js';
import type { SaveResult } from '../save.js';
import { renderScreen } from './render.js';

export interface EditorDeps {
  save(state: SessionState): Promise<SaveResult>;
  importFile(path: string): Promise<ImportResult>;
  discovery: DiscoverySource;
}

/** Run the editor until the technician leaves; resolves with the final state. */
export function runEditor(initial: SessionState, deps: EditorDeps): Promise<SessionState> {
  const screen = blessed.screen({
    smartCSR: true, fullUnicode: true, warnings: false, autoPadding: false, title: 'racker factory',
  });
  const box = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%', tags: true, wrap: false });
  let state = initial;
  let done = false;
  const draw = (): void => {
    if (done) return;
    box.setContent(renderScreen(state, Number(screen.width), Number(screen.height)).join('\n'));
    screen.render();
  };
  return new Promise((resolve) => {
    const finish = (): void => {
      done = true;
      screen.destroy();
      resolve(state);
    };
    const runEffect = (effect: Effect): void => {
      switch (effect.kind) {
        case 'quit': finish(); return;
        case 'save': {
          const from = state;
          deps.save(from).then((r) => { state = afterSave(state, r, from); }, (e: unknown) => { state = afterSave(state, asError(e), from); }).finally(draw);
          return;
        }
        case 'import':
          deps.importFile(effect.path).then((r) => { state = afterImport(state, effect.path, r); }, (e: unknown) => { state = afterImport(state, effect.path, asError(e)); }).finally(draw);
          return;
        case 'discover':
          // The real source never throws; a fake or a bug must not kill the editor.
          deps.discovery.snapshot().then((snap) => { state = afterDiscovery(state, snap); },
            (e: unknown) => { state = afterDiscovery(state, { available: false, message: asError(e).message }); }).finally(draw);
          return;
      }
    };
    screen.on('keypress', (ch: string | undefined, key: { full: string } | undefined) => {
      if (done || key === undefined) return;
      const step = reduce(state, { full: key.full, ch });
      state = step.state;
      draw();
      for (const e of step.effects) runEffect(e);
    });
    screen.on('resize', draw);
    draw();
  });
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
