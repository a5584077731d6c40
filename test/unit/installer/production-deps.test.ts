import { expect } from 'chai';
import { productionPackages } from '../../../installer/payload/production-deps.js';

describe('installer production dependencies', () => {
  it('takes every installed package that is not a dev dependency, nested ones included', () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'racker' },
        'node_modules/pino': {},
        'node_modules/pino/node_modules/sonic-boom': {},
        'node_modules/mocha': { dev: true },
        'node_modules/fsevents': { optional: true },
        'node_modules/local-thing': { link: true },
        'node_modules/shared': { devOptional: true },
      },
    });
    expect(productionPackages(lock)).to.deep.equal([
      { path: 'node_modules/fsevents', optional: true },
      { path: 'node_modules/pino', optional: false },
      { path: 'node_modules/pino/node_modules/sonic-boom', optional: false },
      { path: 'node_modules/shared', optional: false },
    ]);
  });

  it('refuses an old lockfile or one that is not JSON, saying how to fix it', () => {
    expect(() => productionPackages('{"lockfileVersion":1,"dependencies":{}}')).to.throw(/no "packages" section/);
    expect(() => productionPackages('{')).to.throw(/package-lock.json is not JSON/);
  });
});
