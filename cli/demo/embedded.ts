/**
 * The seed 001 ring (examples/seeds/001-carp-ring.yaml) embedded, so the demo runs from the
 * single-file bundle with no files around it. A test keeps the two identical.
 */
export const SEED_001_RING_YAML = `# Seed 001: five FreeBSD mail servers with CARP and HAProxy, ten VIPs behind round-robin DNS.
# Each server is preferred for two VIPs. The seed's fear is the domino: with one VIP per server,
# three deaths left 4 VIPs on mail04 and 1 on mail05. ipferry balances to within one instead
# (5 and 5), and deep checks (SMTP, POP3, IMAP) replace HAProxy's missing ones.
cluster: netic-mail
# quorum none, as CARP: two survivors of five keep all ten VIPs; majority would release all ten, but never serve both sides of a cut.
control: { mode: peer, quorum: none }
security: { psk: "change-me-to-a-long-random-secret" }
timers: { minHold: 30s, rebalanceCap: 2 }
nodes:
  - { id: mail01, interface: em0, addresses: [198.18.1.1] }
  - { id: mail02, interface: em0, addresses: [198.18.1.2] }
  - { id: mail03, interface: em0, addresses: [198.18.1.3] }
  - { id: mail04, interface: em0, addresses: [198.18.1.4] }
  - { id: mail05, interface: em0, addresses: [198.18.1.5] }
checks:
  smtp: { kind: smtp, target: "127.0.0.1:25" }
  pop3: { kind: pop3, target: "127.0.0.1:110" }
  imap: { kind: imap, target: "127.0.0.1:143" }
vips:
  - { name: carp0, address: 198.18.1.101/24, preferred: mail01, checks: [smtp, pop3, imap] }
  - { name: carp5, address: 198.18.1.106/24, preferred: mail01, checks: [smtp, pop3, imap] }
  - { name: carp1, address: 198.18.1.102/24, preferred: mail02, checks: [smtp, pop3, imap] }
  - { name: carp6, address: 198.18.1.107/24, preferred: mail02, checks: [smtp, pop3, imap] }
  - { name: carp2, address: 198.18.1.103/24, preferred: mail03, checks: [smtp, pop3, imap] }
  - { name: carp7, address: 198.18.1.108/24, preferred: mail03, checks: [smtp, pop3, imap] }
  - { name: carp3, address: 198.18.1.104/24, preferred: mail04, checks: [smtp, pop3, imap] }
  - { name: carp8, address: 198.18.1.109/24, preferred: mail04, checks: [smtp, pop3, imap] }
  - { name: carp4, address: 198.18.1.105/24, preferred: mail05, checks: [smtp, pop3, imap] }
  - { name: carp9, address: 198.18.1.110/24, preferred: mail05, checks: [smtp, pop3, imap] }
`;
