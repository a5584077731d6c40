import { expect } from 'chai';
import { passwordStrength } from '../../../factory/password-strength.js';
import { validateCredentials } from '../../../factory/credentials-input.js';
import { vendorOf } from '../../../factory/oui.js';
import type { Mac } from '../../../agent/lib/mac.js';

describe('factory inputs', () => {
  describe('passwordStrength', () => {
    const level = (p: string): string => passwordStrength(p).strength;
    it('grades passwords and names the IPMI 20-byte limit', () => {
      expect(level('')).to.equal('empty');
      expect(level('calvin')).to.equal('weak');
      expect(level('ADMIN')).to.equal('weak');
      expect(level('aaaaaaaaaaaaaaa')).to.equal('weak');
      expect(level('x7!Qp')).to.equal('weak');
      expect(level('rackpass99')).to.equal('fair');
      expect(level('Vq7-mZ2!kR9p')).to.equal('strong');
      expect(passwordStrength('Vq7-mZ2!kR9pVq7-mZ2!kR9p')).to.deep.equal({ strength: 'too-long', message: '24 bytes: IPMI 2.0 BMCs accept at most 20' });
    });
  });

  describe('validateCredentials', () => {
    it('requires a user and the same password twice, within IPMI limits', () => {
      expect(validateCredentials({ user: 'admin', password: 'Vq7-mZ2!kR9p', confirm: 'Vq7-mZ2!kR9p' })).to.deep.equal([]);
      expect(validateCredentials({ user: '', password: '', confirm: '' }).map((p) => p.field)).to.deep.equal(['user', 'password']);
      expect(validateCredentials({ user: 'a b', password: 'x', confirm: 'y' })).to.deep.equal([
        { field: 'user', message: 'the user name must not contain spaces' },
        { field: 'confirm', message: 'the two passwords differ' }]);
      expect(validateCredentials({ user: 'a'.repeat(17), password: 'p'.repeat(21), confirm: 'p'.repeat(21) }).map((p) => p.field)).to.deep.equal(['user', 'password']);
    });
  });

  describe('vendorOf', () => {
    it('names BMC board vendors by OUI and nothing for unknown or local MACs', () => {
      expect(vendorOf('0c:c4:7a:01:02:03' as Mac)).to.equal('Supermicro');
      expect(vendorOf('d0:94:66:aa:bb:cc' as Mac)).to.equal('Dell');
      expect(vendorOf('02:00:00:00:00:01' as Mac)).to.equal(undefined);
    });
  });
});
