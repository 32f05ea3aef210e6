#!/usr/bin/env bash
# README's test command: installs the Debian packages the tests need (when missing), then runs every test of
# Shisa.sln with TRX results in TestResults/. As root: the end-to-end tests build network namespaces, and a run
# that is not root would let them pass as skipped, so it refuses instead.
#   libpcap0.8      SharpPcap (BPF filters, pcap files)
#   iproute2        the tests' namespaces, veth pairs and bridges (the appliance itself needs no `ip`)
#   iputils-ping    ping streams through the tunnels
#   radvd           router advertisements on the test topology's links
#   nftables        `nft list` to check the appliance's table (the appliance itself needs no `nft`)
#   tshark tcpdump  captures decoded and checked
#   procps          sysctl for the topology builder
#   conntrack       flushing a NAT's mappings (the DSMIPv6 NAT traversal test)
#   ethtool         complete checksums on veths whose captures tshark checks (no offload)
#   systemd         systemd-analyze verify of packaging/shisa.service
#   chromium        the status page's browser test
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: run as root (the end-to-end tests build network namespaces): sudo bash test.sh" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
packages=(libpcap0.8 iproute2 iputils-ping radvd nftables tshark tcpdump procps conntrack ethtool systemd chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }

rm -rf TestResults
exec dotnet test Shisa.sln --logger trx --results-directory TestResults "$@"
