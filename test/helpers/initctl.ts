// What `initctl status` prints, for the tests of its parsers (src/apply/finit-status.ts) and of
// the Finit adapter's services() (src/apply/finit.ts).

/** `initctl -p -t status` on Finit 4.2 (bookworm). */
export const TABLE_42 = `302  pod:net  running  [--2345----] Podman container net
0    pod:web  ready    [--2345----] Web
0    pod:bad  crashed  [--2345----]
17   hand:other  halted  [S-12345-789] Hand-written, not by finit-pods
`;

/** `initctl -j status` on Finit 4.12 (trixie), abridged. */
export const JSON_412 = `[
  {
    "identity": "keventd", "description": "Finit kernel event daemon", "type": "service",
    "status": "running", "restarts": 0, "pid": 120, "uptime": 99,
    "runlevels": [ "S", 1, 2, 3, 4, 5, 7, 8, 9 ]
  },
  {
    "identity": "pod:web", "description": "Web", "type": "service", "forking": false,
    "status": "crashed", "origin": "/etc/finit.d/enabled/pod-web.conf",
    "command": "/bin/sh /etc/finit.d/enabled/finit-pods-run web f8b463a14ae0",
    "condition": [ "+usr/finit-pods" ], "restarts": 10, "pidfile": "none", "pid": 0,
    "user": "root", "group": "root", "runlevels": [ 2, 3, 4, 5 ]
  }
]`;
