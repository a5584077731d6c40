/**
 * Which request heads the boot service's fast path takes (everything else goes to node:http, which
 * then decides what is bad): a table of heads and what parseFastHead makes of each.
 */
import { expect } from 'chai';
import { parseFastHead } from '../../../agent/boot/http-fast.js';

function parse(head: string): ReturnType<typeof parseFastHead> {
  const text = `${head}\r\n\r\n`;
  return parseFastHead(text, 0, text.indexOf('\r\n\r\n'));
}

describe('boot fast path: request heads', () => {
  it('takes plain GET and HEAD requests with a Host', () => {
    expect(parse('GET /ipxe?mac=52:54:00:00:00:01 HTTP/1.1\r\nHost: 10.0.0.1:8080')).to.deep.equal({ method: 'GET', url: '/ipxe?mac=52:54:00:00:00:01', close: false });
    expect(parse('HEAD / HTTP/1.1\r\nUser-Agent: iPXE/1.21.1\r\nhost: x\r\nAccept: */*')).to.deep.equal({ method: 'HEAD', url: '/', close: false });
    expect(parse('GET /boot.ipxe HTTP/1.1\r\nHost:x\r\nX-Empty:')).to.deep.equal({ method: 'GET', url: '/boot.ipxe', close: false });
  });

  it('notes a request to close the connection, also inside a token list', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: x\r\nConnection: close')?.close).to.equal(true);
    expect(parse('GET / HTTP/1.1\r\nHost: x\r\nconnection: Keep-Alive, CLOSE')?.close).to.equal(true);
    expect(parse('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive')?.close).to.equal(false);
    expect(parse('GET / HTTP/1.1\r\nHost: x\r\nConnection: closed')?.close).to.equal(false);
  });

  const refused: Array<[string, string]> = [
    ['POST (phone-home and every other method)', 'POST /racker/v1/events HTTP/1.1\r\nHost: x'],
    ['OPTIONS', 'OPTIONS * HTTP/1.1\r\nHost: x'],
    ['HTTP/1.0', 'GET / HTTP/1.0\r\nHost: x'],
    ['an unknown version', 'GET /ipxe HTTP/9.9\r\nHost: x'],
    ['no header at all', 'GET / HTTP/1.1'],
    ['no Host', 'GET / HTTP/1.1\r\nAccept: */*'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b'],
    ['a body length, even 0', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0'],
    ['a chunked body', 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked'],
    ['Expect', 'GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue'],
    ['Upgrade', 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket'],
    ['a folded header line', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued'],
    ['a header without a colon', 'GET /ipxe HTTP/1.1\r\nHost x'],
    ['a space in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nX A: 1'],
    ['a bare LF inside a header', 'GET / HTTP/1.1\r\nHost: x\nX-A: 1'],
    ['a control byte in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b'],
    ['a non-ASCII byte in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: caf\xe9'],
    ['a target that is not a path', 'GET http://x/ipxe HTTP/1.1\r\nHost: x'],
    ['an empty target', 'GET  HTTP/1.1\r\nHost: x'],
    ['a non-ASCII byte in the target', 'GET /ipxe?h=\xff HTTP/1.1\r\nHost: x'],
    ['garbage', '\x00\x01\x02 garbage'],
    ['a lower-case method', 'get / HTTP/1.1\r\nHost: x'],
  ];
  for (const [what, head] of refused) {
    it(`leaves ${what} to node:http`, () => {
      expect(parse(head)).to.equal(undefined);
    });
  }
});
