// The daemon's log (src/daemon/log.ts): the text format, one line per event, and JSON in pino's shape.

import t from 'tap';
import { jsonLine, makeLogger, textLine } from '../../src/daemon/log.js';

t.test('textLine', async (t) => {
  t.equal(
    textLine('info', 'applied pod:web', { unit: '/cfg/containers/web.container' }),
    'info: applied pod:web unit=/cfg/containers/web.container\n',
    'level word, message, key=value; no time (syslog adds it)',
  );
  t.equal(textLine('error', 'boom'), 'error: boom\n', 'no fields: no trailing space');
  t.equal(textLine('warn', 'w', { n: 3, ok: true }), 'warn: w n=3 ok=true\n', 'numbers, booleans');
  t.equal(
    textLine('info', 'initctl reload', { reasons: ['add /cfg/containers/a.container', 'relist'] }),
    'info: initctl reload reasons="[\\"add /cfg/containers/a.container\\",\\"relist\\"]"\n',
    'arrays as JSON, quoted because of the space and quotes',
  );
  t.equal(
    textLine('info', 'm', { a: 'two words', b: 'x=y', c: '', d: 'say "hi"' }),
    'info: m a="two words" b="x=y" c="" d="say \\"hi\\""\n',
    'spaces, = and quotes are quoted; an empty value is ""',
  );
  t.equal(textLine('info', 'x', { u: undefined, n: null }), 'info: x u=undefined n=null\n', 'no value');
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  t.equal(textLine('info', 'x', { loop }), 'info: x loop="[object Object]"\n', 'a value JSON cannot hold');
  t.equal(
    textLine('error', 'skipped a\nerror: forged', { unit: 'x\x1by' }),
    'error: skipped a\\nerror: forged unit=x\\ey\n',
    'a control character cannot forge a line',
  );
});

t.test('jsonLine', async (t) => {
  const line = jsonLine('warn', 'initctl reload', { reasons: ['start'] }, 1700000000000);
  t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
  t.same(
    JSON.parse(line),
    { level: 40, time: 1700000000000, reasons: ['start'], msg: 'initctl reload' },
    "pino's shape: level number, time in ms, the fields, msg",
  );
  t.notMatch(jsonLine('info', 'a\u202eb\u0085'), /[\u202e\u0085]/, 'no character a terminal acts on');
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  t.same(
    JSON.parse(jsonLine('info', 'x', { loop, n: 1 }, 5)),
    { level: 30, time: 5, loop: '[object Object]', n: 1, msg: 'x' },
    'a value JSON cannot hold becomes its text: never throws',
  );
});

t.test('makeLogger', async (t) => {
  const text: string[] = [];
  const tl = makeLogger('text', { write: (s: string) => text.push(s) });
  tl.info({ unit: 'a.container' }, 'applied pod:a');
  tl.debug('not shown at the default level');
  tl.error({ errors: ['a.container:3: error: x'] }, 'skipped a.container');
  tl.warn('plain');
  t.same(
    text,
    [
      'info: applied pod:a unit=a.container\n',
      'error: skipped a.container errors="[\\"a.container:3: error: x\\"]"\n',
      'warn: plain\n',
    ],
    'text logger: one line per event, no pid/hostname/time, debug left out',
  );

  const json: string[] = [];
  const jl = makeLogger('json', { write: (s: string) => json.push(s) });
  jl.info({ reasons: ['start'] }, 'initctl reload');
  t.equal(json.length, 1, 'json logger: one line per event');
  const rec = JSON.parse(json[0]!) as Record<string, unknown>;
  t.same(
    { level: rec.level, msg: rec.msg, reasons: rec.reasons },
    { level: 30, msg: 'initctl reload', reasons: ['start'] },
    'level, msg and the fields',
  );
  t.type(rec.time, 'number', 'with a time');
  t.notOk('pid' in rec || 'hostname' in rec, 'without pid and hostname');
});
