// The daemon's log (src/daemon/log.ts): the text format, one line per event, and pino's JSON.

import t from 'tap';
import { makeLogger, textLine } from '../../src/daemon/log.js';

t.test('textLine and makeLogger', async (t) => {
  t.equal(
    textLine(
      '{"level":30,"time":1700000000000,"unit":"/cfg/containers/web.container","msg":"applied pod:web"}',
    ),
    'info: applied pod:web unit=/cfg/containers/web.container\n',
    'level word, message, key=value; the time is left out (syslog adds it)',
  );
  t.equal(textLine('{"level":50,"msg":"boom"}'), 'error: boom\n', 'no fields: no trailing space');
  t.equal(textLine('{"level":40,"msg":"w","n":3,"ok":true}'), 'warn: w n=3 ok=true\n', 'numbers, booleans');
  t.equal(
    textLine('{"level":30,"msg":"initctl reload","reasons":["add /cfg/containers/a.container","relist"]}'),
    'info: initctl reload reasons="[\\"add /cfg/containers/a.container\\",\\"relist\\"]"\n',
    'arrays as JSON, quoted because of the space and quotes',
  );
  t.equal(
    textLine('{"level":30,"msg":"m","a":"two words","b":"x=y","c":"","d":"say \\"hi\\""}'),
    'info: m a="two words" b="x=y" c="" d="say \\"hi\\""\n',
    'spaces, = and quotes are quoted; an empty value is ""',
  );
  t.equal(textLine('{"level":35}'), '35: \n', 'unknown level: its number; no message: empty');
  for (const [n, w] of [
    [10, 'trace'],
    [20, 'debug'],
    [60, 'fatal'],
  ] as const)
    t.equal(textLine(`{"level":${n},"msg":"x"}`), `${w}: x\n`, `level ${n} is ${w}`);

  const text: string[] = [];
  const tl = makeLogger('text', { write: (s: string) => text.push(s) });
  tl.info({ unit: 'a.container' }, 'applied pod:a');
  tl.debug('not shown at the default level');
  tl.error({ errors: ['a.container:3: error: x'] }, 'skipped a.container');
  t.same(
    text,
    [
      'info: applied pod:a unit=a.container\n',
      'error: skipped a.container errors="[\\"a.container:3: error: x\\"]"\n',
    ],
    'text logger: one line per event, no pid/hostname/time',
  );

  const json: string[] = [];
  const jl = makeLogger('json', { write: (s: string) => json.push(s) });
  jl.info({ reasons: ['start'] }, 'initctl reload');
  t.equal(json.length, 1, 'json logger: one line');
  t.ok(json[0]!.endsWith('\n'), 'ending in a newline');
  const rec = JSON.parse(json[0]!) as Record<string, unknown>;
  t.same(
    { level: rec.level, msg: rec.msg, reasons: rec.reasons },
    { level: 30, msg: 'initctl reload', reasons: ['start'] },
    'pino JSON with level, msg and the fields',
  );
  t.type(rec.time, 'number', 'with a time');
  t.notOk('pid' in rec || 'hostname' in rec, 'without pid and hostname');
});
