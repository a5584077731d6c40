import { expect } from 'chai';
import { formatGoFloat, renderTemplate, TemplateError } from '../../../agent/boot/template.js';

const render = (src: string, data: unknown) => renderTemplate('t', src, data);

describe('boot templates (Go text/template subset)', () => {
  it('renders matchbox TestGenericHandler byte for byte', () => {
    const content = '#foo-bar-baz template\nUUID={{.uuid}}\nSERVICE={{.service_name}}\nFOO={{.request.query.foo}}\n';
    const data = { pod_network: '10.2.0.0/16', service_name: 'etcd2', uuid: 'a1b2c3d4', request: { query: { foo: 'some-param' }, raw_query: 'foo=some-param' } };
    expect(render(content, data)).to.equal('#foo-bar-baz template\nUUID=a1b2c3d4\nSERVICE=etcd2\nFOO=some-param\n');
  });

  it('fails on a missing key (missingkey=error), naming key and line', () => {
    expect(() => render('#x\nKEY={{.missing_key}}\n', { a: 1 })).to.throw(TemplateError, /t:2: map has no entry for key "missing_key"/);
    expect(() => render('{{.a.b}}', { a: {} })).to.throw(TemplateError, /no entry for key "b"/);
    expect(() => render('{{.a.b}}', { a: 'text' })).to.throw(TemplateError, /can't evaluate field b in type string/);
    expect(() => render('{{.a.b}}', { a: null })).to.throw(TemplateError, /nil pointer/);
  });

  it('index on a missing key is no value, so `if index . "k"` works', () => {
    const src = '{{ if index . "ssh_authorized_keys" }}keys{{ else }}none{{ end }}';
    expect(render(src, {})).to.equal('none');
    expect(render(src, { ssh_authorized_keys: ['k'] })).to.equal('keys');
    expect(render('{{index .m "a" "b"}}|{{index .l 1}}', { m: { a: { b: 'x' } }, l: ['p', 'q'] })).to.equal('x|q');
    expect(() => render('{{index .l 5}}', { l: [] })).to.throw(TemplateError, /index out of range/);
  });

  it('supports if/else if/else, range with else and variables, with, pipelines, trim markers', () => {
    const src = '{{if .a}}A{{else if .b}}B{{else}}C{{end}}';
    expect(render(src, { a: true, b: true })).to.equal('A');
    expect(render(src, { a: false, b: 'x' })).to.equal('B');
    expect(render(src, { a: 0, b: '' })).to.equal('C');
    expect(render('{{range .l}}[{{.}}]{{else}}empty{{end}}', { l: ['x', 'y'] })).to.equal('[x][y]');
    expect(render('{{range .l}}[{{.}}]{{else}}empty{{end}}', { l: [] })).to.equal('empty');
    expect(render('{{range $i, $v := .l}}{{$i}}={{$v}};{{end}}', { l: ['x', 'y'] })).to.equal('0=x;1=y;');
    expect(render('{{range $k, $v := .m}}{{$k}}:{{$v}} {{end}}', { m: { b: 2, a: 1 } })).to.equal('a:1 b:2 ');
    expect(render('{{range .l}}{{$.top}}{{end}}', { l: [1, 2], top: 'T' })).to.equal('TT');
    expect(render('{{with .m}}{{.x}}{{end}}', { m: { x: 'in' } })).to.equal('in');
    expect(render('{{$x := .a}}{{$x}}', { a: 'v' })).to.equal('v');
    expect(render('{{.a | printf "%s!"}} {{len .l}} {{not .f}} {{eq .a "v"}}', { a: 'v', l: [1, 2, 3], f: false })).to.equal('v! 3 true true');
    expect(render('a  {{- .x -}}  b\n{{- /* comment */ -}}\nc', { x: 'X' })).to.equal('aXbc');
    expect(render('{{"quoted \\"s\\""}} {{`raw`}}', {})).to.equal('quoted "s" raw');
  });

  it('prints values like Go fmt %v', () => {
    expect(render('{{.n}} {{.f}} {{.b}} {{.l}} {{.m}}', { n: 3, f: 0.5, b: false, l: [1, 'a'], m: { y: 1, x: null } })).to.equal('3 0.5 false [1 a] map[x:<nil> y:1]');
    const cases: [number, string][] = [[3, '3'], [-2, '-2'], [100000, '100000'], [1000000, '1e+06'], [1234567, '1.234567e+06'],
      [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [123456.5, '123456.5'], [1e21, '1e+21'], [0, '0']];
    for (const [n, want] of cases) expect(formatGoFloat(n), String(n)).to.equal(want);
  });

  it('refuses what it does not implement, by name', () => {
    expect(() => render('{{define "x"}}{{end}}', {})).to.throw(TemplateError, /"define" is not supported/);
    expect(() => render('{{template "x"}}', {})).to.throw(TemplateError, /"template" is not supported/);
    expect(() => render('{{nosuch .a}}', { a: 1 })).to.throw(TemplateError, /function "nosuch" not defined/);
    expect(() => render('{{if .a}}', { a: 1 })).to.throw(TemplateError, /missing \{\{end\}\}/);
    expect(() => render('{{end}}', {})).to.throw(TemplateError, /unexpected \{\{end\}\}/);
    expect(() => render('{{.a', {})).to.throw(TemplateError, /unclosed action/);
    expect(() => render('{{.a "x"}}', { a: 1 })).to.throw(TemplateError, /can't give argument to non-function/);
  });
});
