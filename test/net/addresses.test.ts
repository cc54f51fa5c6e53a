// The address classifier behind every outbound fetch (src/net/addresses.ts), as a table:
// which addresses are public and may be fetched from, and what the others are called in
// the refusal message. Then FETCH_ALLOW: how its entries are read and what they let through.
import { describe, expect, it } from 'vitest';
import { classifyAddress, formatIp, isAllowed, parseAllowList, parseIp } from '../../src/net/addresses.ts';
import { loadSettings, SettingsError } from '../../src/settings.ts';

describe('classifyAddress', () => {
  it.each([
    // IPv4
    ['127.0.0.1', 'loopback', undefined],
    ['127.255.255.254', 'loopback', undefined],
    ['10.0.0.1', 'private', undefined],
    ['172.16.0.1', 'private', undefined],
    ['172.31.255.255', 'private', undefined],
    ['192.168.1.1', 'private', undefined],
    ['100.64.0.1', 'shared (carrier-grade NAT)', undefined],
    ['100.127.255.255', 'shared (carrier-grade NAT)', undefined],
    ['169.254.169.254', 'link-local', undefined],
    ['0.0.0.0', 'unspecified', undefined],
    ['0.1.2.3', 'unspecified', undefined],
    ['224.0.0.1', 'multicast', undefined],
    ['239.255.255.250', 'multicast', undefined],
    ['255.255.255.255', 'broadcast', undefined],
    ['240.0.0.1', 'reserved', undefined],
    ['192.0.0.8', 'reserved', undefined],
    ['192.0.2.1', 'documentation', undefined],
    ['198.51.100.7', 'documentation', undefined],
    ['203.0.113.9', 'documentation', undefined],
    ['198.18.0.1', 'benchmarking', undefined],
    // IPv6
    ['::1', 'loopback', undefined],
    ['::', 'unspecified', undefined],
    ['fe80::1', 'link-local', undefined],
    ['fe80::1%eth0', 'link-local', undefined],
    ['febf:ffff::1', 'link-local', undefined],
    ['fc00::1', 'unique-local', undefined],
    ['fd12:3456::1', 'unique-local', undefined],
    ['fec0::1', 'site-local', undefined],
    ['ff02::1', 'multicast', undefined],
    ['2001:db8::1', 'documentation', undefined],
    ['2001:0:4136:e378::1', 'reserved', undefined], // Teredo
    ['100::1', 'reserved', undefined],
    ['1234::1', 'reserved', undefined], // outside global unicast 2000::/3
    ['64:ff9b:1::a00:1', 'private', undefined], // local-use NAT64
    // IPv6 forms that carry an IPv4 address are judged by it
    ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped 127.0.0.1'],
    ['::ffff:7f00:1', 'loopback', 'IPv4-mapped 127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback', 'IPv4-mapped 127.0.0.1'],
    ['::ffff:a9fe:a9fe', 'link-local', 'IPv4-mapped 169.254.169.254'],
    ['::ffff:0:10.0.0.1', 'private', 'IPv4-translated 10.0.0.1'],
    ['::127.0.0.1', 'loopback', 'IPv4-compatible 127.0.0.1'],
    ['::7f00:1', 'loopback', 'IPv4-compatible 127.0.0.1'],
    ['::8.8.8.8', 'reserved', 'IPv4-compatible 8.8.8.8'],
    ['64:ff9b::10.0.0.1', 'private', 'NAT64 10.0.0.1'],
    ['64:ff9b::7f00:1', 'loopback', 'NAT64 127.0.0.1'],
    ['2002:c0a8:0101::1', 'private', '6to4 192.168.1.1'],
    ['2002:7f00:1::', 'loopback', '6to4 127.0.0.1'],
    // not an address at all
    ['not-an-ip', 'reserved', undefined],
  ])('%s is %s', (address, kind, via) => {
    expect(classifyAddress(address)).toEqual(via ? { kind, via } : { kind });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255', // just below 100.64/10
    '100.128.0.0', // just above
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808', // NAT64 of a public address
    '2002:808:808::1', // 6to4 of a public address
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });
});

describe('IP text', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['fe80::1%lo', 'fe80::1'],
    ['[::1]', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::', '::'],
  ])('%s reads as %s', (text, shown) => {
    expect(formatIp(parseIp(text)!)).toBe(shown);
  });

  it.each(['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '1.2.3', 'localhost', '', '1::2::3'])('%j is not an address by itself (the URL parser reads the numeric forms, see ssrf.test.ts)', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('FETCH_ALLOW', () => {
  const allow = parseAllowList(' 127.0.0.1 , 10.0.0.0/8,Files.Internal.EXAMPLE., fd00::/8 ,');
  const ip = (s: string) => parseIp(s)!;

  it.each([
    ['any.host', '127.0.0.1', true],
    ['any.host', '127.0.0.2', false],
    ['any.host', '::ffff:127.0.0.1', true], // the mapped form reaches the allowed IPv4 address
    ['any.host', '10.200.3.4', true],
    ['any.host', '11.0.0.1', false],
    ['any.host', '192.168.0.1', false],
    ['files.internal.example', '192.168.0.1', true], // a host name allows whatever it resolves to
    ['FILES.internal.example.', '192.168.0.1', true],
    ['other.internal.example', '192.168.0.1', false],
    ['any.host', 'fd00::5', true],
    ['any.host', 'fc00::5', false],
  ])('host %s at %s: allowed %s', (host, address, allowed) => {
    expect(isAllowed(allow, host, ip(address))).toBe(allowed);
  });

  it('settings read it, empty by default', () => {
    expect(loadSettings({}).FETCH_ALLOW).toEqual({ hosts: new Set(), ranges: [] });
    expect(loadSettings({ FETCH_ALLOW: 'localhost,127.0.0.0/8' }).FETCH_ALLOW.hosts).toEqual(new Set(['localhost']));
  });

  it.each(['10.0.0.0/33', '10.0.0.0/8/1', 'http://files.internal', 'files.internal:8080', '::1/129', 'bad host'])('refuses FETCH_ALLOW=%s at start-up, naming the variable and the entry', (value) => {
    expect(() => loadSettings({ FETCH_ALLOW: value })).toThrow(SettingsError);
    expect(() => loadSettings({ FETCH_ALLOW: value })).toThrow(`FETCH_ALLOW=${JSON.stringify(value)}: ${JSON.stringify(value)} is not a host name, an IP address or a CIDR range`);
  });
});
