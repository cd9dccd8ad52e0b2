# Mote: `make run` and `make test` work on a fresh Debian / Raspberry Pi OS machine with Swift installed.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build and the tests need: headers and libraries of the system-library targets, and the
# reference tools (i2c-tools, gpiod) whose output mote matches; systemd for `systemd-analyze verify` of the unit.
DEB_PACKAGES := libi2c-dev libgpiod-dev pkg-config i2c-tools gpiod systemd
# The real-kernel tier (Tests/vm) on top of those: qemu, Debian's kernel with its headers and its source (gpio-sim is
# built from it, out of tree), a static busybox for the initramfs, cpio to pack it. Installed without recommends
# (about 650 MB installed, most of it the kernel's modules and source); amd64 hosts only.
VM_PACKAGES := qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source-6.1 busybox-static cpio gcc

.PHONY: run test test-unit test-units test-gpiod-v2 test-vm deps vm-deps build install clean

# $(call install-missing,PACKAGES[,APT-OPTIONS]): apt-get installs those of PACKAGES that are not installed yet.
define install-missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) $$missing; \
	fi
endef

deps:
	$(call install-missing,$(DEB_PACKAGES))

vm-deps: deps
	$(call install-missing,$(VM_PACKAGES),--no-install-recommends)

build: deps
	$(SWIFT) build -c release --product mote

# The main job: probe the bus, read every sensor found on it, then run three gossip nodes on loopback for a few
# periods. On a machine without /dev/i2c-* it runs on the simulated default board and says so.
run: build
	@if ls /dev/i2c-* >/dev/null 2>&1; then \
	  bus=$$(ls /dev/i2c-* | head -n 1 | sed 's/.*i2c-//'); \
	  echo "== mote scan $$bus"; .build/release/mote scan $$bus; \
	  echo "== mote read --bus $$bus"; .build/release/mote read --bus $$bus; \
	else \
	  echo "No /dev/i2c-* on this machine: running on the simulated default board (mote ... --simulate)."; \
	  echo "== mote scan --simulate --list"; .build/release/mote scan --simulate --list; \
	  echo "== mote scan --simulate 1"; .build/release/mote scan --simulate 1; \
	  echo "== mote read --simulate --derived"; .build/release/mote read --simulate --derived; \
	  echo "== mote read --simulate --format json"; .build/release/mote read --simulate --format json; \
	  echo "== mote gpio info --simulate"; .build/release/mote gpio info --simulate; \
	fi
	@echo "== three mote nodes on loopback (simulated boards), 12 periods of 250 ms; the first one's reports:"
	@set -e; dir="$$(mktemp -d)"; trap 'rm -rf "$$dir"' EXIT; m=.build/release/mote; \
	$$m node keygen > "$$dir/key"; chmod 600 "$$dir/key"; \
	common="--simulate --key-file $$dir/key --period 250ms --sample-interval 1s"; \
	for p in 17947 17948; do \
	  $$m node $$common --listen 127.0.0.1:$$p --join 127.0.0.1:17946 --quiet --rounds 16 \
	    --state-dir "$$dir/state-$$p" --status-file "$$dir/status-$$p.json" & \
	done; \
	$$m node $$common --listen 127.0.0.1:17946 --rounds 12 --state-dir "$$dir/state-17946" \
	  --status-file "$$dir/status-17946.json" | tail -n 12; \
	wait; echo "== mote energy report (the first node's ledger)"; $$m energy report --state-dir "$$dir/state-17946"

# The whole suite: every unit, model and CLI test against libgpiod v1 (the system's), then the GPIO layer again
# against libgpiod v2 (bookworm-backports, unpacked locally), then mote against a real kernel in a VM.
test: deps test-unit test-units test-gpiod-v2 test-vm

test-unit: deps
	$(SWIFT) build --build-tests
	MOTE_EXPECT_GPIOD_API=1 $(SWIFT) test --skip-build

# The service unit as systemd parses it (ExecStart pointed at the built mote, which is not installed here). verify
# exits 0 even for an unknown key, so any message it prints fails the check.
test-units: deps build
	@set -e; dir="$$(mktemp -d)"; trap 'rm -rf "$$dir"' EXIT; \
	sed "s|/usr/local/bin/mote|$(CURDIR)/.build/release/mote|" systemd/mote-node.service > "$$dir/mote-node.service"; \
	out="$$(systemd-analyze verify "$$dir/mote-node.service" 2>&1)" || true; \
	if [ -n "$$out" ]; then echo "$$out"; echo "systemd/mote-node.service: systemd-analyze objects"; exit 1; fi; \
	echo "systemd/mote-node.service: verified"

test-gpiod-v2: deps
	@set -e; pc="$$(scripts/libgpiod-v2)"; lib="$$(dirname "$$pc")"; \
	echo "libgpiod v2 from $$pc"; \
	PKG_CONFIG_PATH="$$pc" $(SWIFT) build --build-tests --scratch-path .build-gpiod-v2 -Xlinker -rpath -Xlinker "$$lib" && \
	PKG_CONFIG_PATH="$$pc" LD_LIBRARY_PATH="$$lib" MOTE_EXPECT_GPIOD_API=2 \
	  $(SWIFT) test --skip-build --scratch-path .build-gpiod-v2 --filter MoteLinuxTests

# The real-kernel tier: mote (v1 and v2 builds) against i2c-stub and gpio-sim in a qemu VM. See Tests/vm/README.md.
test-vm: vm-deps
	Tests/vm/run

# Installs the udev rules (run as root, then re-plug or `udevadm trigger`).
install: build
	install -D -m 0755 .build/release/mote /usr/local/bin/mote
	install -D -m 0644 udev/99-mote.rules /etc/udev/rules.d/99-mote.rules
	udevadm control --reload-rules && udevadm trigger || true
	groupadd -f i2c; groupadd -f gpio
	id -u mote >/dev/null 2>&1 || useradd --system --home-dir /var/lib/mote --no-create-home --shell /usr/sbin/nologin mote
	install -D -m 0644 systemd/mote-node.service /etc/systemd/system/mote-node.service
	install -D -m 0644 README.md /usr/local/share/doc/mote/README.md
	[ -e /etc/mote/node.env ] || install -D -m 0644 systemd/node.env /etc/mote/node.env
	systemctl daemon-reload 2>/dev/null || true
	@echo "Next: edit /etc/mote/node.env; mote node keygen > /etc/mote/cluster.keys (same key on every node);"
	@echo "      chown mote: /etc/mote/cluster.keys; chmod 600 /etc/mote/cluster.keys; systemctl enable --now mote-node"

clean:
	rm -rf .build .build-gpiod-v2 .vendor
