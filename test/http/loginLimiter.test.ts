// The failed-login limiter (src/http/loginLimiter.ts) on a clock of its own: a sliding
// window per address, addresses apart, a bounded map, IPv6 counted by /64.
import { describe, expect, it } from 'vitest';
import { clientKey, LoginLimiter } from '../../src/http/loginLimiter.ts';

function limiter(options: { maxFailures?: number; windowMs?: number; maxClients?: number } = {}) {
  let now = 1_000_000;
  const l = new LoginLimiter({ maxFailures: options.maxFailures ?? 3, windowMs: options.windowMs ?? 60_000, maxClients: options.maxClients, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('LoginLimiter', () => {
  it('blocks an address at the limit until its oldest failure leaves the window', () => {
    const { l, advance } = limiter();
    l.recordFailure('a');
    advance(10_000);
    l.recordFailure('a');
    expect(l.retryAfter('a')).toBe(0);
    advance(10_000);
    l.recordFailure('a'); // failures at 0 s, 10 s, 20 s
    expect(l.retryAfter('a')).toBe(40); // the first one leaves at 60 s
    advance(39_500);
    expect(l.retryAfter('a')).toBe(1);
    advance(500);
    expect(l.retryAfter('a')).toBe(0); // back to two failures in the window
    l.recordFailure('a');
    expect(l.retryAfter('a')).toBe(10); // the one at 10 s leaves at 70 s
  });

  it('counts each address apart', () => {
    const { l } = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('a');
    expect(l.retryAfter('a')).toBe(60);
    expect(l.retryAfter('b')).toBe(0);
  });

  it('forgets an address whose failures all left the window', () => {
    const { l, advance } = limiter();
    l.recordFailure('a');
    expect(l.size).toBe(1);
    advance(60_001);
    expect(l.retryAfter('a')).toBe(0);
    expect(l.size).toBe(0);
  });

  it('keeps at most maxClients addresses, dropping the one whose last failure is oldest', () => {
    const { l, advance } = limiter({ maxClients: 100 });
    for (let i = 0; i < 3; i++) l.recordFailure('attacker');
    for (let i = 0; i < 99; i++) {
      advance(1);
      l.recordFailure(`other-${i}`);
    }
    expect(l.size).toBe(100);
    expect(l.retryAfter('attacker')).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) l.recordFailure(`flood-${i}`);
    expect(l.size).toBe(100);
    expect(l.retryAfter('attacker')).toBe(0);
  });

  it('keeps only the failures that matter, however many are recorded', () => {
    const { l } = limiter({ maxFailures: 3 });
    for (let i = 0; i < 100_000; i++) l.recordFailure('a');
    expect(l.retryAfter('a')).toBe(60);
    expect((l as unknown as { failures: Map<string, number[]> }).failures.get('a')).toHaveLength(3);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s counts as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
