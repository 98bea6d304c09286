// Diagnostics a user can act on (src/lib/diagnostics.ts and every translator): each error says
// FILE:LINE, names the key and its [Section], typos get the nearest key, unknown keys are errors,
// and one bad file never stops the others in a directory.

import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  about,
  type Diagnostic,
  editDistance,
  error,
  formatDiagnostic,
  nearest,
  warning,
} from '../../src/lib/diagnostics.js';
import { CONTAINER_KEYS } from '../../src/model/keys.js';
import { translateDir } from '../../src/model/translate.js';

t.test('formatDiagnostic: FILE:LINE: severity: message', async (t) => {
  t.equal(
    formatDiagnostic({ severity: 'error', file: '/u/a.container', line: 7, message: 'boom' }),
    '/u/a.container:7: error: boom',
  );
  t.equal(
    formatDiagnostic({ severity: 'warning', file: '/u/a.container', line: 0, message: 'whole file' }),
    '/u/a.container: warning: whole file',
  );
});

t.test('messages about a Key= line name the key and its section', async (t) => {
  const at = { file: '/u/a.container', line: 3, key: 'Group', section: 'Container' };
  t.equal(about(at, 'invalid Group set without User'), '[Container] Group=: invalid Group set without User');
  t.equal(about(at, 'Group=x: bad'), '[Container] Group=x: bad');
  t.equal(about(at, 'unsupported key Group= in [Container]'), 'unsupported key Group= in [Container]');
  t.equal(about({ file: 'f', line: 1 }, 'no key here'), 'no key here');
  t.same(error(at, 'm'), {
    severity: 'error',
    file: '/u/a.container',
    line: 3,
    message: '[Container] Group=: m',
  });
  t.same(warning(at, 'm'), {
    severity: 'warning',
    file: '/u/a.container',
    line: 3,
    message: '[Container] Group=: m',
  });
});

t.test('nearest key for a typo', async (t) => {
  const keys = [...CONTAINER_KEYS.keys()];
  const cases: [string, string | undefined][] = [
    ['Imgae', 'Image'],
    ['image', 'Image'],
    ['IMAGE', 'Image'],
    ['PublishPorts', 'PublishPort'],
    ['Enviroment', 'Environment'],
    ['EnvironmentFiles', 'EnvironmentFile'],
    ['Volumes', 'Volume'],
    ['Netwrok', 'Network'],
    ['Completely', undefined],
    ['Xyz', undefined],
  ];
  for (const [typo, want] of cases) t.equal(nearest(typo, keys), want, typo);
  t.equal(editDistance('kitten', 'sitting'), 3);
  t.equal(editDistance('', 'abc'), 3);
  t.equal(editDistance('same', 'same'), 0);
});

// A directory of units, most of them broken in one way each, and the errors they must give.
const BAD: Record<string, { text: string; errors: [number, RegExp][] }> = {
  'typo.container': {
    text: '# a typo\n[Container]\nImgae=nginx\n',
    errors: [
      [3, /^unsupported key Imgae= in \[Container\] \(did you mean Image=\?\)$/],
      [2, /^no Image= or Rootfs= key in \[Container\]/],
    ],
  },
  'syntax.container': {
    text: '[Container]\nImage=x\nthis line is bad\n',
    errors: [[3, /^"this line is bad" is not a Key=Value line/]],
  },
  'group.container': {
    text: '[Container]\nImage=x\nGroup=10\n',
    errors: [[3, /^\[Container\] Group=: invalid Group set without User$/]],
  },
  'expose.container': {
    text: '[Container]\nImage=x\n\nExposeHostPort=web\n',
    errors: [[4, /^\[Container\] ExposeHostPort=web: invalid port format/]],
  },
  'refs.container': {
    text: '[Container]\nImage=x\nNetwork=nope.network\nVolume=nope.volume:/x\nMount=type=bind,destination=/y\n',
    errors: [
      [3, /^\[Container\] Network=: Quadlet unit nope\.network was not found in /],
      [4, /^\[Container\] Volume=: Quadlet unit nope\.volume was not found in /],
      [5, /^\[Container\] Mount=: source parameter is required for mount type bind$/],
    ],
  },
  'remap.container': {
    text: '[Container]\nImage=x\nRemapUsers=sometimes\n',
    errors: [[3, /^\[Container\] RemapUsers=: unsupported RemapUsers option 'sometimes'/]],
  },
  'reload.container': {
    text: '[Container]\nImage=x\nReloadCmd=/bin/reload\nReloadSignal=SIGHUP\n',
    errors: [[4, /^\[Container\] ReloadSignal=: ReloadCmd and ReloadSignal are mutually exclusive/]],
  },
  'deps.container': {
    text: '[Unit]\nRequires=nope.container\n[Container]\nImage=x\n',
    errors: [[2, /^\[Unit\] Requires=: unable to translate dependency for nope\.container/]],
  },
  'pod.container': {
    text: '[Container]\nImage=x\nPod=mypod\n',
    errors: [[3, /^\[Container\] Pod=mypod: pod mypod is not Quadlet based/]],
  },
  'spec.container': {
    text: '[Container]\nImage=x\nExec=echo %q\n',
    errors: [[3, /^Exec= in \[Container\]: unknown specifier "%q"/]],
  },
  'stop.container': {
    text: '[Container]\nImage=x\nStopTimeout=forever\n',
    errors: [[3, /^\[Container\] StopTimeout=forever: must be a whole number of seconds$/]],
  },
  'both.container': {
    text: '[Container]\nImage=x\nRootfs=/r\n',
    errors: [[3, /^\[Container\] Rootfs=: Image= and Rootfs= conflict/]],
  },
  'quadlet.container': {
    text: '[Container]\nImage=x\n[Quadlet]\nDefaultDependencies=no\nFoo=1\n',
    errors: [[5, /^unsupported key Foo= in \[Quadlet\]$/]],
  },
  'nosection.container': {
    text: '[Unit]\nDescription=no container section\n',
    errors: [[0, /^no \[Container\] section$/]],
  },
  'net-bad.network': {
    text: '[Network]\nSubnett=10.0.0.0/24\nGateway=10.0.0.1\n',
    errors: [
      [2, /^unsupported key Subnett= in \[Network\] \(did you mean Subnet=\?\)$/],
      [3, /^\[Network\] Gateway=: cannot set gateway or range without subnet$/],
    ],
  },
  'vol-bad.volume': {
    text: '[Volume]\nVolumName=x\nType=ext4\n',
    errors: [
      [2, /^unsupported key VolumName= in \[Volume\] \(did you mean VolumeName=\?\)$/],
      [3, /^\[Volume\] Type=: key Type can't be used without Device$/],
    ],
  },
  'hd.network': {
    text: '[HostDevice]\nAdress=10.0.0.2/24\nAddress=10.0.0.2\n',
    errors: [
      [2, /^unsupported key Adress= in \[HostDevice\] \(did you mean Address=\?\)$/],
      [1, /^no Device= in \[HostDevice\]/],
      [3, /^\[HostDevice\] Address=10\.0\.0\.2 is not an address with prefix length/],
    ],
  },
  'x.pod': {
    text: '[Pod]\nPodNme=a\n',
    errors: [[2, /^unsupported key PodNme= in \[Pod\] \(did you mean PodName=\?\)$/]],
  },
  'badname!.container': {
    text: '[Container]\nImage=x\n',
    errors: [[0, /^pod name "badname!" must use only letters, digits/]],
  },
  'svc.container': {
    text: '[Container]\nImage=x\nServiceName=a-very-long-service-name-that-finit-4-15-still-cannot-keep-as-an-id\n',
    errors: [
      [
        3,
        /^\[Container\] ServiceName=: pod name "a-very-long.*" is 67 characters; this Finit keeps at most 64/,
      ],
    ],
  },
};

const GOOD: Record<string, string> = {
  'ok.container': '[Container]\nImage=x\nNetwork=ok.network\nVolume=ok.volume:/data\n',
  'ok.network': '[Network]\n',
  'ok.volume': '[Volume]\n',
  'dropped.container': '[Container]\nImage=x\n',
};

t.test(
  'a directory with broken units: every error is placed, named and the good units survive',
  async (t) => {
    const dir = t.testdir({
      ...Object.fromEntries(Object.entries(BAD).map(([f, c]) => [f, c.text])),
      ...GOOD,
      'dropin.container': '[Container]\nImage=x\n',
      'dropin.container.d': { '10-typo.conf': '# drop-in\n[Container]\nPublishPorts=80:80\n' },
    });
    symlinkSync(join(dir, 'nowhere.container'), join(dir, 'dangling.container'));
    const { results } = translateDir(dir);

    t.same(
      results.map((r) => r.name.filename).sort(),
      [...Object.keys(BAD), ...Object.keys(GOOD), 'dropin.container', 'dangling.container'].sort(),
      'one result per unit file, broken or not',
    );
    for (const f of Object.keys(GOOD)) {
      const r = results.find((x) => x.name.filename === f)!;
      t.ok(r.ok, `${f} is usable next to the broken ones`);
      t.same(r.diagnostics, [], `${f}: no diagnostics`);
    }

    for (const [f, c] of Object.entries(BAD)) {
      const r = results.find((x) => x.name.filename === f)!;
      t.notOk(r.ok, `${f} is rejected`);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      t.equal(errors.length, c.errors.length, `${f}: ${errors.map((d) => d.message).join(' | ')}`);
      for (const [i, [line, re]] of c.errors.entries()) {
        t.equal(errors[i]?.line, line, `${f}: error ${i} line`);
        t.match(errors[i]?.message, re, `${f}: error ${i} message`);
        t.equal(errors[i]?.file, join(dir, f), `${f}: error ${i} file`);
      }
    }

    const drop = results.find((x) => x.name.filename === 'dropin.container')!;
    t.same(
      drop.diagnostics.map((d) => formatDiagnostic(d)),
      [
        `${join(dir, 'dropin.container.d/10-typo.conf')}:3: error: unsupported key PublishPorts= in [Container] (did you mean PublishPort=?)`,
      ],
      'an error from a drop-in points into the drop-in',
    );

    const dangling = results.find((x) => x.name.filename === 'dangling.container')!;
    t.notOk(dangling.ok);
    t.match(dangling.diagnostics[0]?.message, /^cannot read: /);
    t.equal(dangling.diagnostics.length, 1, 'an unreadable file gets one error, not a cascade');
  },
);

/** Whole-file problems: the only errors allowed to have no line. */
const WHOLE_FILE = [
  /^no \[Container\] section$/,
  /^\.\w+ units are not supported yet/,
  /^cannot read/,
  /^pod name /,
];
/** Syntax errors: about a line, but no key. */
const SYNTAX = [
  /is not a Key=Value line/,
  /^invalid section name/,
  /appears before any \[Section\]/,
  /follows the invalid section header/,
];

t.test(
  'every error in the corpus has a line, or is about the whole file; every key error names key and section',
  async (t) => {
    const dir = t.testdir(Object.fromEntries(Object.entries(BAD).map(([f, c]) => [f, c.text])));
    const all: Diagnostic[] = translateDir(dir).results.flatMap((r) => r.diagnostics);
    t.ok(all.length >= 25, `the corpus gives many diagnostics (${all.length})`);
    for (const d of all.filter((x) => x.severity === 'error')) {
      const text = formatDiagnostic(d);
      if (d.line === 0) {
        t.ok(
          WHOLE_FILE.some((re) => re.test(d.message)),
          `no line only for whole-file errors: ${text}`,
        );
        t.match(text, /^\/.*\.(container|network|volume|pod): error: /);
        continue;
      }
      t.match(
        text,
        /^\/.*\.(container|network|volume|pod|kube|image|build|artifact):\d+: error: /,
        'FILE:LINE',
      );
      if (SYNTAX.some((re) => re.test(d.message))) continue;
      t.match(
        d.message,
        /\[(Container|Network|Volume|Pod|Kube|Image|Build|Artifact|HostDevice|Unit|Service|Install|Quadlet)\]/,
        `section named: ${text}`,
      );
      t.match(d.message, /\b[A-Z][A-Za-z0-9]*=/, `key named: ${text}`);
    }
  },
);

t.test('an unknown key is an error, never a warning', async (t) => {
  for (const [file, text] of [
    ['a.container', '[Container]\nImage=x\nNoSuchKey=1\n'],
    ['a.network', '[Network]\nNoSuchKey=1\n'],
    ['a.volume', '[Volume]\nNoSuchKey=1\n'],
    ['b.network', '[HostDevice]\nDevice=eth0\nNoSuchKey=1\n'],
  ] as const) {
    const dir = t.testdir({ [file]: text });
    const [r] = translateDir(dir).results;
    t.notOk(r!.ok, file);
    t.same(
      r!.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.severity, d.line]),
      [['error', text.split('\n').indexOf('NoSuchKey=1') + 1]],
      file,
    );
  }
});

t.test('unknown sections are warned about with a suggestion; X- sections are not', async (t) => {
  const dir = t.testdir({
    'a.container': '[Container]\nImage=x\n[Servcie]\nRestart=always\n[X-Tool]\nAnything=1\n',
    'b.container': '[Contianer]\nImage=x\n',
  });
  const [a, b] = translateDir(dir).results;
  t.ok(a!.ok);
  t.same(
    a!.diagnostics.map((d) => [d.severity, d.line, d.message]),
    [
      [
        'warning',
        3,
        'section [Servcie] is not read by finit-pods; its keys are ignored (did you mean [Service]?)',
      ],
    ],
  );
  t.notOk(b!.ok);
  t.same(
    b!.diagnostics.map((d) => [d.severity, d.line, d.message]),
    [
      ['error', 0, 'no [Container] section'],
      [
        'warning',
        1,
        'section [Contianer] is not read by finit-pods; its keys are ignored (did you mean [Container]?)',
      ],
    ],
  );
});
