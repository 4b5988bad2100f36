#!/usr/bin/python3
"""The command line: help, version, token, check-config, sample-config,
report's refusals, serve's refusals, first-start links and file modes."""
import json
import os
import re
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

T = h.T
run = h.run_cli
SAMPLE = os.path.join(h.SOURCE_ROOT, 'config', 'classrelay.conf.sample')
JWT = re.compile(r'[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}')
COMMON = ('--config', '--data-dir', '--set')
OPTIONS = {'serve': COMMON + ('--listen', 'attendance.reconnect_grace_seconds',
                              'server.heartbeat_seconds', 'classroom.max_floor_holders'),
           'token': COMMON + ('--role', '--user', '--name', '--org', '--session', '--ttl'),
           'report': COMMON + ('--session', '--course', '--format'),
           'check-config': COMMON + ('FILE',),
           'sample-config': ('--help',)}


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return path


async def test_help_and_version():
    rc, out, err = run(['--help'])
    T.eq(rc, 0, 'classrelay --help exits 0')
    T.ok(all(re.search(r'^\s+%s\s' % c, out, re.M) for c in OPTIONS),
         '--help lists every subcommand', out)
    for cmd, opts in sorted(OPTIONS.items()):
        rc, out, err = run([cmd, '--help'])
        missing = [o for o in opts if o not in out]
        T.ok(rc == 0 and not missing, '%s --help exits 0 and lists %s' % (cmd, ', '.join(opts)),
             'rc %d, missing %r' % (rc, missing))
    rc, out, err = run(['version'])
    T.ok(rc == 0 and re.fullmatch(r'classrelay \d+\.\d+\.\d+\n', out), 'version', out)
    T.eq(run(['--version'])[:2], (0, out), '--version says the same')
    rc, out, err = run(['frobnicate'])
    T.ok(rc == 2 and 'unknown subcommand "frobnicate"' in err, 'an unknown subcommand: 2', err)


async def test_token():
    d = h.tmpdir()
    rc, out, err = run(['token', '--data-dir', d, '--role', 'trainee', '--user', 't-1',
                        '--name', '林美', '--org', 'Tax Bureau', '--session', '1', '--ttl', '90m'])
    T.eq(rc, 0, 'token exits 0', err)
    T.ok(JWT.fullmatch(out.rstrip('\n')) and out.endswith('\n') and out.count('\n') == 1,
         'stdout is only a JWT: three base64url parts and a newline', repr(out))
    tok = out.strip()
    c = h.jwt_claims(tok)
    T.eq((c['sub'], c['name'], c['org'], c['role'], c['session']),
         ('t-1', '林美', 'Tax Bureau', 'trainee', '1'), 'its claims')
    T.eq(c['exp'] - c['iat'], 5400, '--ttl 90m gives exp = iat + 5400')
    T.near(c['iat'], time.time(), 3, 'issued now')
    T.eq(json.loads(h.b64url_decode(tok.split('.')[0])), {'alg': 'HS256', 'typ': 'JWT'},
         'header: HS256 JWT')
    st = os.stat(os.path.join(d, 'secret'))
    T.eq(stat.S_IMODE(st.st_mode), 0o600, 'the generated secret file is mode 0600')
    # The token works against a server on that data dir.
    s = h.Server(data_dir=d).start()
    c2 = await s.ws(tok, name='t-1')
    T.eq(c2.welcome['you'], {'person': 't-1', 'name': '林美', 'org': 'Tax Bureau',
                             'role': 'trainee'}, 'the minted token joins the class')
    T.eq(run(['token', '--data-dir', h.tmpdir(), '--role', 'trainee', '--user', 'x',
              '--name', 'X', '--session', '1'])[0], 0, 'a token from another data dir is minted')
    bad = [(['--role', 'admin', '--user', 'u', '--name', 'N', '--session', '1'], '--role must be'),
           (['--role', 'checkin', '--user', 'u', '--name', 'N', '--session', '1'], '--role must'),
           (['--role', 'trainee', '--user', 'u', '--name', 'N', '--session', '1', '--ttl', '5x'],
            '--ttl must be'),
           (['--role', 'trainee', '--user', 'u', '--name', 'N', '--session', '01'],
            '--session must be'),
           (['--role', 'trainee', '--user', 'u', '--name', 'N'], '"session"'),
           (['--role', 'trainee', '--name', 'N', '--session', '1'], '"sub"'),
           (['--role', 'trainee', '--user', 'u', '--name', 'a\tb', '--session', '1'], '"name"'),
           (['--role', 'trainee', '--user', 'u', '--name', 'N', '--session', '1', 'extra'],
            'unexpected argument')]
    for args, words in bad:
        rc, out, err = run(['token', '--data-dir', d] + args)
        T.ok(rc != 0 and out == '' and words in err, 'token %s: refused, says %r' %
             (' '.join(args), words), 'rc %d out %r err %r' % (rc, out, err))


async def test_check_and_sample_config():
    rc, out, err = run(['check-config', SAMPLE])
    T.eq((rc, out), (0, SAMPLE + ': OK\n'), 'check-config on the sample: OK')
    rc, out, err = run(['sample-config'])
    with open(SAMPLE) as f:
        T.ok(rc == 0 and out == f.read(), 'sample-config equals config/classrelay.conf.sample')
    d = h.tmpdir()
    cases = [('[server]\nbogus = 1\n', 'server.bogus'),
             ('[nope]\nx = 1\n', '[nope]'),
             ('[server]\nheartbeat_seconds = abc\n', 'server.heartbeat_seconds'),
             ('[server]\nheartbeat_seconds = 0\n', 'out of range'),
             ('[attendance]\ncompletion_threshold = 1.5\n', 'attendance.completion_threshold'),
             ('[server]\nlisten = localhost\n', 'server.listen'),
             ('[recording]\nauto_start = maybe\n', 'recording.auto_start'),
             ('[auth]\nsecret = short\n', 'auth.secret'),
             ('this is not ini\n', 'classrelay check-config')]
    for i, (text, words) in enumerate(cases):
        path = write(os.path.join(d, 'c%d.conf' % i), text)
        rc, out, err = run(['check-config', path])
        T.ok(rc == 1 and words in err and path in err,
             'check-config refuses %r naming %s' % (text.strip(), words), (rc, err))
    good = write(os.path.join(d, 'good.conf'), '[server]\nheartbeat_seconds = 300\n'
                 '[classroom]\nmax_floor_holders = 64\n')
    T.eq(run(['check-config', good])[0], 0, 'limits themselves are accepted')
    T.eq(run(['check-config'])[0], 2, 'check-config without a file: 2')


async def test_serve_refusals_and_first_start():
    d = os.path.join(h.tmpdir(), 'fresh', 'data')
    for args, words in ((['--set', 'server.heartbeat_seconds=0'], 'server.heartbeat_seconds'),
                        (['--set', 'foo.bar=1'], 'foo.bar'),
                        (['--set', 'server.max_message_bytes'], 'SECTION.KEY=VALUE'),
                        (['--listen', 'nowhere'], 'server.listen'),
                        (['--set', 'classroom.max_floor_holders=65'], 'out of range')):
        rc, out, err = run(['serve', '--data-dir', d] + args, timeout=10)
        T.ok(rc == 2 and words in err, 'serve %s: exits 2 naming %s' % (' '.join(args), words),
             (rc, err))
    T.ok(not os.path.exists(d), 'a refused serve creates no data directory')
    s = h.Server(data_dir=d).start()
    T.eq(sorted(s.links), ['coordinator', 'instructor', 'trainee'], 'first start: three links')
    base = 'http://127.0.0.1:%d' % s.port
    T.ok(s.links['instructor'].startswith(base + '/class/1?token=') and
         s.links['trainee'].startswith(base + '/join/1?token=') and
         s.links['coordinator'].startswith(base + '/coordinator?token='), 'link shapes', s.links)
    roles = {r: h.jwt_claims(s.link_token(r))['role'] for r in s.links}
    T.eq(roles, {r: r for r in s.links}, 'each link carries its role')
    T.eq(stat.S_IMODE(os.stat(d).st_mode), 0o700, 'the data directory is mode 0700')
    T.eq(stat.S_IMODE(os.stat(os.path.join(d, 'secret')).st_mode), 0o600, 'secret is 0600')
    s.stop()
    s.start()
    T.eq((s.links, 'A demo course' in s.stdout()), ({}, False), 'second start: no links')
    s.stop()
    rc, out, err = run(['report', '--data-dir', d])
    T.ok(rc == 2 and '--session ID or --course ID' in err, 'report without an id: 2', err)
    rc, out, err = run(['report', '--data-dir', d, '--session', '1', '--format', 'xml'])
    T.ok(rc == 2 and '--format' in err, 'report --format xml: 2', err)
    rc, out, err = run(['report', '--data-dir', h.tmpdir(), '--session', '1'])
    T.ok(rc == 1 and 'no database' in err, 'report on an empty dir: 1', err)
    rc, out, err = run(['report', '--data-dir', d, '--session', '99'])
    T.ok(rc == 1 and out == '' and '99' in err, 'report on a missing session: 1', err)
    rc, out, err = run(['report', '--data-dir', d, '--session', '1'])
    T.ok(rc == 0 and out.startswith('\ufeffsession_id,'), 'report defaults to CSV', out[:40])


if __name__ == '__main__':
    h.main(test_help_and_version, test_token, test_check_and_sample_config,
           test_serve_refusals_and_first_start)
