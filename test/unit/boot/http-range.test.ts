import { expect } from 'chai';
import { decideRange, type RangeRequest } from '../../../agent/boot/http-range.js';
import { parseAssetPath, assetContentType } from '../../../agent/boot/handlers/assets.js';

const mtime = Date.parse('2024-05-01T10:00:00.700Z');
const lm = new Date(Date.parse('2024-05-01T10:00:00Z')).toUTCString();
const d = (r: Partial<RangeRequest>, size = 1000) => decideRange({ method: 'GET', ...r }, size, mtime);

describe('boot assets: range and conditional requests', () => {
  it('serves the whole file without conditions', () => expect(d({})).to.deep.equal({ status: 200, start: 0, end: 999 }));

  it('If-Modified-Since at one-second resolution → 304; older → 200; ignored with If-None-Match or for POST', () => {
    expect(d({ ifModifiedSince: lm })).to.deep.equal({ status: 304 });
    expect(d({ ifModifiedSince: new Date(mtime - 5000).toUTCString() }).status).to.equal(200);
    expect(d({ ifModifiedSince: lm, ifNoneMatch: '"x"' }).status).to.equal(200);
    expect(d({ ifModifiedSince: 'garbage' }).status).to.equal(200);
  });

  it('If-Unmodified-Since older than the file → 412', () => {
    expect(d({ ifUnmodifiedSince: new Date(mtime - 5000).toUTCString() })).to.deep.equal({ status: 412 });
    expect(d({ ifUnmodifiedSince: lm }).status).to.equal(200);
  });

  it('single ranges → 206 with the right bounds', () => {
    expect(d({ range: 'bytes=0-99' })).to.deep.equal({ status: 206, start: 0, end: 99 });
    expect(d({ range: 'bytes=900-' })).to.deep.equal({ status: 206, start: 900, end: 999 });
    expect(d({ range: 'bytes=-100' })).to.deep.equal({ status: 206, start: 900, end: 999 });
    expect(d({ range: 'bytes=-5000' })).to.deep.equal({ status: 206, start: 0, end: 999 });
    expect(d({ range: 'bytes=990-5000' })).to.deep.equal({ status: 206, start: 990, end: 999 });
  });

  it('unsatisfiable or malformed ranges → 416; several ranges → the whole file', () => {
    for (const range of ['bytes=1000-', 'bytes=5-2', 'bytes=x', 'items=0-1', 'bytes=', 'bytes=-0']) expect(d({ range }).status, range).to.equal(416);
    expect(d({ range: 'bytes=0-1,5-6' }).status).to.equal(200);
    expect(decideRange({ method: 'GET', range: 'bytes=0-' }, 0, mtime).status).to.equal(416);
  });

  it('If-Range: same date → range honoured; other date or an ETag → whole file', () => {
    expect(d({ range: 'bytes=0-9', ifRange: lm }).status).to.equal(206);
    expect(d({ range: 'bytes=0-9', ifRange: new Date(mtime - 5000).toUTCString() }).status).to.equal(200);
    expect(d({ range: 'bytes=0-9', ifRange: '"etag"' }).status).to.equal(200);
  });

  it('asset paths: traversal and odd characters → 400, hidden files and the root → 404', () => {
    expect(parseAssetPath('flatcar/3227.2.0/flatcar_production_pxe.vmlinuz')).to.deep.equal({ ok: true, segments: ['flatcar', '3227.2.0', 'flatcar_production_pxe.vmlinuz'] });
    expect(parseAssetPath('a//./b%20c')).to.deep.equal({ ok: true, segments: ['a', 'b c'] });
    for (const p of ['../etc/passwd', 'a/../../x', '%2e%2e/x', 'a/%2E%2E/%2E%2E/x', '..%2fx', 'a%00b', 'a%5c..%5cb', '%zz']) {
      const r = parseAssetPath(p);
      expect(r.ok === false && r.status, p).to.equal(400);
    }
    for (const p of ['', '/', '.hidden', 'a/.x.tmp']) {
      const r = parseAssetPath(p);
      expect(r.ok === false && r.status, p).to.equal(404);
    }
  });

  it('content types by extension', () => {
    expect(assetContentType('flatcar_production_pxe_image.cpio.gz')).to.equal('application/gzip');
    expect(assetContentType('flatcar_production_pxe.vmlinuz')).to.equal('application/octet-stream');
    expect(assetContentType('x.SIG')).to.equal('application/pgp-signature');
  });
});
