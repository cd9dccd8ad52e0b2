#!/bin/sh
# The real-kernel checks, run inside the VM by /init (busybox sh). Tests/vm/run builds the initramfs and reads the
# result lines off the serial console:
#
#   MOTE-VM-CHECK name=NAME result=PASS|FAIL detail=ONE LINE
#   MOTE-VM-DONE passed=N failed=N
#
# /vm/env (written by the host) gives the expected BME280 values (EXPECT_T, EXPECT_P, EXPECT_H), the mote for the
# I2C checks (MOTE), the mote builds to run the GPIO checks with (MOTES="v1:/opt/mote/v1/mote v2:..."), and the
# reference tools' paths (I2CDETECT, I2CSET, I2CDUMP, GPIODETECT, GPIOINFO, GPIOSET).
# Every command that could hang runs under `timeout`, so one hung command fails its check instead of the tier.
#
# The reference tools (i2c-tools, libgpiod's tools) are always called by absolute path: busybox's shell and its
# `timeout` run their own applets of the same name (i2cdetect, i2cset, ...) before looking at PATH.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
. /vm/env

passed=0
failed=0
out=/tmp/out
err=/tmp/err

# check NAME PASS|FAIL DETAIL...
check() {
    name=$1 result=$2
    shift 2
    detail=$(printf '%s' "$*" | tr '\n\t' '  ' | cut -c1-400)
    if [ "$result" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    echo "MOTE-VM-CHECK name=$name result=$result detail=$detail"
    # When each check finished, by the guest's clock: where the time goes, in the console log.
    echo "mote-vm-time $(uptime_now)s $name"
}

# A short, one-line account of a command's output for a failure's detail.
show() { tr '\n' '|' <"$1" | cut -c1-200; }

# same NAME DETAIL FILE_A FILE_B: PASS when the two files are identical, else FAIL with the first difference.
same() {
    if cmp -s "$3" "$4"; then
        check "$1" PASS "$2"
    else
        check "$1" FAIL "$2; differs: $(diff "$3" "$4" | grep '^[-+][^-+]' | head -n 4 | tr '\n' '|')"
        # The whole difference, for the console log (.build/vm/console.log on the host).
        diff "$3" "$4" | sed "s/^/mote-vm-diff $1: /"
    fi
}

# run SECONDS COMMAND...: runs the command with stdout in $out, stderr in $err; sets $rc.
run() {
    limit=$1
    shift
    timeout "$limit" "$@" >"$out" 2>"$err"
    rc=$?
}

# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds; false when it never did.
wait_for() {
    tries=$(($1 * 10))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        tries=$((tries - 1))
        sleep 0.1
    done
    return 1
}

# The monotonic clock in seconds with centiseconds, as the GPIO event timestamps count it (close enough to
# /proc/uptime in a VM that never suspends).
uptime_now() { cut -d' ' -f1 /proc/uptime; }

echo "mote-vm: kernel $(uname -r)"

# The references are the real tools, not busybox's look-alikes.
versions="$("$I2CDETECT" -V 2>&1 | head -n 1); $("$GPIOINFO" --version 2>&1 | head -n 1)"
case "$versions" in
    *"i2cdetect version"*libgpiod*) check reference-tools PASS "$versions" ;;
    *) check reference-tools FAIL "not i2c-tools and libgpiod's tools: $versions" ;;
esac

###################################################################################################################
# I2C: i2c-stub with a BME280 image at 0x76, an empty SMBus device at 0x44 (where an SHT31 would sit), and one at
# 0x50 that the kernel's at24 EEPROM driver takes over at the end (an address in use: UU).

bus=""
for adapter in /sys/bus/i2c/devices/i2c-*; do
    [ "$(cat "$adapter/name" 2>/dev/null)" = "SMBus stub driver" ] && bus=${adapter##*i2c-}
done
if [ -z "$bus" ] || [ ! -c "/dev/i2c-$bus" ]; then
    check i2c-stub FAIL "no i2c-stub adapter with a /dev/i2c-N node (modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' '))"
else
    check i2c-stub PASS "bus $bus is the SMBus stub driver, /dev/i2c-$bus"

    # Fill the BME280's registers from the image (the stub starts all zero, so only the other bytes are written),
    # then read them back with i2cdump: the image is what the chip holds.
    fill_errors=0
    sed -n 's/^\([0-9a-f]0\): \(\([0-9a-f][0-9a-f] \)\{15\}[0-9a-f][0-9a-f]\).*/\1 \2/p' /vm/bme280.i2cdump >/tmp/rows
    while read -r row b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf; do
        column=0
        for byte in $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $ba $bb $bc $bd $be $bf; do
            if [ "$byte" != 00 ]; then
                register=$(printf '0x%02x' $((0x$row + column)))
                "$I2CSET" -y "$bus" 0x76 "$register" "0x$byte" b 2>>/tmp/fill.err || fill_errors=$((fill_errors + 1))
            fi
            column=$((column + 1))
        done
    done </tmp/rows
    sed 1d /vm/bme280.i2cdump >/tmp/image
    run 20 "$I2CDUMP" -y "$bus" 0x76 b
    if [ "$fill_errors" -ne 0 ]; then
        check i2c-image FAIL "$fill_errors i2cset writes failed: $(head -n 2 /tmp/fill.err | tr '\n' '|')"
    else
        same i2c-image "i2cdump -y $bus 0x76 b equals Tests/vm/bme280.i2cdump" "$out" /tmp/image
    fi

    # The grid: i2cdetect's own output is the reference, byte for byte.
    timeout 20 "$I2CDETECT" -y "$bus" >/tmp/i2cdetect 2>/tmp/i2cdetect.err
    run 30 "$MOTE" scan --no-identify "$bus"
    if [ "$rc" -ne 0 ]; then
        check scan-grid FAIL "mote scan --no-identify $bus exited $rc: $(show "$err")"
    else
        same scan-grid "mote scan --no-identify $bus equals i2cdetect -y $bus (devices at 0x44, 0x50, 0x76)" \
            "$out" /tmp/i2cdetect
    fi
    grep -q '^40: .* 44 ' /tmp/i2cdetect && grep -q '^70: .* 76 ' /tmp/i2cdetect ||
        check scan-reference FAIL "i2cdetect itself does not show 0x44 and 0x76: $(show /tmp/i2cdetect)"

    # Plain `mote scan` also tries to identify what answered (a BME280 by its chip-id register; the SHT3x read
    # command needs plain I2C, which the stub refuses): the grid must not change and nothing may fail.
    run 60 "$MOTE" scan "$bus"
    head -n 9 "$out" >/tmp/scan-head
    if [ "$rc" -ne 0 ]; then
        check scan-identify FAIL "mote scan $bus exited $rc: $(show "$err")"
    else
        same scan-identify "mote scan $bus: first 9 lines equal i2cdetect -y $bus; then: $(sed 1,10d "$out" | tr '\n' '|')" \
            /tmp/scan-head /tmp/i2cdetect
    fi

    timeout 20 "$I2CDETECT" -l >/tmp/i2cdetect-l 2>&1
    run 20 "$MOTE" scan --list
    if [ "$rc" -ne 0 ]; then
        check scan-list FAIL "mote scan --list exited $rc: $(show "$err")"
    elif ! grep -q "SMBus stub driver" "$out"; then
        check scan-list FAIL "mote scan --list does not name the SMBus stub driver: $(show "$out")"
    else
        same scan-list "mote scan --list names the SMBus stub driver and equals i2cdetect -l" "$out" /tmp/i2cdetect-l
    fi

    timeout 20 "$I2CDETECT" -F "$bus" >/tmp/i2cdetect-F 2>&1
    run 20 "$MOTE" scan -F "$bus"
    if [ "$rc" -ne 0 ]; then
        check scan-functionality FAIL "mote scan -F $bus exited $rc: $(show "$err")"
    else
        same scan-functionality "mote scan -F $bus equals i2cdetect -F $bus" "$out" /tmp/i2cdetect-F
    fi

    # --list --json: the stub's entry, its type, and exactly the functionality i2cdetect -F says yes to, in order.
    run 20 "$MOTE" scan --list --json
    grep -- ' yes$' /tmp/i2cdetect-F | sed 's/  *yes$//' >/tmp/functions-expected
    tr '{' '\n' <"$out" | grep "\"name\":\"SMBus stub driver\"" >/tmp/stub-entry
    sed -n 's/.*"functionality":\[\([^]]*\)\].*/\1/p' /tmp/stub-entry | tr ',' '\n' | sed 's/^"//; s/"$//' \
        >/tmp/functions-listed
    if [ "$rc" -ne 0 ]; then
        check scan-list-json FAIL "mote scan --list --json exited $rc: $(show "$err")"
    elif ! grep -q "\"bus\":$bus," /tmp/stub-entry || ! grep -q '"type":"smbus"' /tmp/stub-entry; then
        check scan-list-json FAIL "no entry with bus $bus, type smbus for the stub: $(show "$out")"
    elif [ ! -s /tmp/functions-expected ]; then
        check scan-list-json FAIL "i2cdetect -F $bus listed no functionality: $(show /tmp/i2cdetect-F)"
    else
        same scan-list-json "mote scan --list --json: stub on bus $bus, type smbus, functionality names = i2cdetect -F's yes lines ($(tr '\n' ',' </tmp/functions-expected))" \
            /tmp/functions-listed /tmp/functions-expected
    fi

    # A bus that does not exist: the real ENOENT from open(2).
    run 20 "$MOTE" scan 99
    if [ "$rc" -eq 69 ] && grep -q "i2c-99" "$err"; then
        check scan-no-such-bus PASS "mote scan 99: exit 69, $(show "$err")"
    else
        check scan-no-such-bus FAIL "mote scan 99: exit $rc (want 69), stderr: $(show "$err")"
    fi

    # The BME280 over the SMBus-only adapter (I2C block reads and byte writes), against values the host computed
    # from the same image with the datasheet's formulas.
    run 60 "$MOTE" read --bus "$bus" --device bme280@0x76 --format json
    json=$(head -n 1 "$out")
    field() { printf '%s\n' "$json" | sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p"; }
    t=$(field temperature_celsius)
    p=$(field pressure_pascals)
    h=$(field relative_humidity_percent)
    verdict=$(awk -v t="$t" -v p="$p" -v h="$h" -v et="$EXPECT_T" -v ep="$EXPECT_P" -v eh="$EXPECT_H" 'BEGIN {
        d = t - et; if (d < 0) d = -d; if (t == "" || d > 0.01) bad = bad " temperature " t " (want " et " +-0.01)"
        d = p - ep; if (d < 0) d = -d; if (p == "" || d > 1.0) bad = bad " pressure " p " (want " ep " +-1 Pa)"
        d = h - eh; if (d < 0) d = -d; if (h == "" || d > 0.01) bad = bad " humidity " h " (want " eh " +-0.01)"
        print bad == "" ? "ok" : bad }')
    if [ "$rc" -ne 0 ]; then
        check read-bme280 FAIL "mote read --bus $bus --device bme280@0x76 exited $rc: $(show "$err") $(show "$out")"
    elif [ "$verdict" != ok ]; then
        check read-bme280 FAIL "$verdict; output: $json"
    else
        check read-bme280 PASS "T=$t degC P=$p Pa RH=$h % (host expects $EXPECT_T, $EXPECT_P, $EXPECT_H)"
    fi

    # The SHT3x driver needs plain I2C (a command write, then a read): on the SMBus-only stub this must be a
    # clear refusal and a failure exit, not a crash (a signal gives 128+). The driver and the bus word it the same:
    # "adapter does not support plain I2C transfers (I2C_RDWR): <why>".
    run 30 "$MOTE" read --bus "$bus" --device sht3x@0x44 --format json
    if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] &&
        cat "$out" "$err" | grep -q "adapter does not support plain I2C transfers"; then
        check read-plain-i2c-refused PASS "sht3x@0x44: exit $rc, $(show "$err") $(show "$out")"
    else
        check read-plain-i2c-refused FAIL "sht3x@0x44: exit $rc, stderr: $(show "$err") stdout: $(show "$out")"
    fi

    # Nobody at 0x77: the stub says ENODEV where real adapters say ENXIO or EREMOTEIO; whichever it is, mote must
    # report an I/O failure (74) that names the address, and not crash.
    run 30 "$MOTE" read --bus "$bus" --device bme280@0x77 --format json
    if [ "$rc" -eq 74 ] && cat "$out" "$err" | grep -q "0x77"; then
        check read-absent-address PASS "bme280@0x77: exit $rc, $(show "$err") $(show "$out")"
    else
        check read-absent-address FAIL "bme280@0x77: exit $rc (want 74), stderr: $(show "$err") stdout: $(show "$out")"
    fi

    # An address a kernel driver holds: I2C_SLAVE says EBUSY, and both grids show UU at 0x50.
    echo 24c02 0x50 >"/sys/bus/i2c/devices/i2c-$bus/new_device" 2>/tmp/new_device.err
    if ! wait_for 10 test -e "/sys/bus/i2c/devices/$bus-0050/driver"; then
        check scan-in-use FAIL "at24 did not bind to 0x50: $(show /tmp/new_device.err) $(ls /sys/bus/i2c/devices | tr '\n' ' ')"
    else
        timeout 20 "$I2CDETECT" -y "$bus" >/tmp/i2cdetect 2>&1
        run 30 "$MOTE" scan --no-identify "$bus"
        timeout 30 "$MOTE" scan --json "$bus" >/tmp/scan.json 2>&1
        if ! grep -q '^50: UU ' /tmp/i2cdetect; then
            check scan-in-use FAIL "i2cdetect itself does not show UU at 0x50: $(show /tmp/i2cdetect)"
        elif ! grep -q '{"address":"0x50","state":"in-use"}' /tmp/scan.json; then
            check scan-in-use FAIL "mote scan --json lacks 0x50 in-use: $(show /tmp/scan.json)"
        else
            same scan-in-use "at24 holds 0x50: mote scan --no-identify $bus equals i2cdetect -y $bus with UU; --json says in-use" \
                "$out" /tmp/i2cdetect
        fi
    fi
fi

###################################################################################################################
# GPIO: a gpio-sim chip "mote-vm" with 8 lines, some named, line 7 hogged by "w1-gpio" (as the default simulated
# board has it), driven and observed through the simulator's sysfs files.

config=/sys/kernel/config/gpio-sim/mote
gpio_setup() {
    mkdir "$config" "$config/bank0" || return 1
    echo 8 >"$config/bank0/num_lines" && echo mote-vm >"$config/bank0/label" || return 1
    for pair in 0:LED 4:BUTTON 5:SENSOR_POWER 7:ONEWIRE; do
        mkdir "$config/bank0/line${pair%%:*}" && echo "${pair#*:}" >"$config/bank0/line${pair%%:*}/name" || return 1
    done
    mkdir "$config/bank0/line7/hog" && echo w1-gpio >"$config/bank0/line7/hog/name" &&
        echo input >"$config/bank0/line7/hog/direction" || return 1
    echo 1 >"$config/live"
}
if ! gpio_setup 2>/tmp/gpio-setup.err; then
    check gpio-sim FAIL "configuring gpio-sim through configfs failed: $(show /tmp/gpio-setup.err)"
else
    chip=$(cat "$config/bank0/chip_name")
    sim=/sys/devices/platform/$(cat "$config/dev_name")/$chip
    number=${chip#gpiochip}
    if [ -c "/dev/$chip" ] && [ -f "$sim/sim_gpio4/pull" ]; then
        check gpio-sim PASS "/dev/$chip, label mote-vm, 8 lines, simulator at $sim"
    else
        check gpio-sim FAIL "no /dev/$chip or no $sim/sim_gpio4/pull"
        chip=""
    fi
fi

pull() { echo "$2" >"$sim/sim_gpio$1/pull"; }
sim_value() { cat "$sim/sim_gpio$1/value"; }
# line_used OFFSET CONSUMER: gpioinfo shows the line held by CONSUMER.
line_used() { "$GPIOINFO" "$chip" | grep -q "line *$1:.*\"$2\""; }
# stop PID: ends a background holder and waits for it.
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

for build in $MOTES; do
    [ -n "$chip" ] || break
    v=${build%%:*}
    mote=${build#*:}
    g=gpio-$v

    # The build links the libgpiod it was made for (a missing library would fail every check below anyway).
    run 20 "$mote" gpio detect
    "$GPIODETECT" >/tmp/gpiodetect 2>&1
    if [ "$rc" -ne 0 ]; then
        check "$g-detect" FAIL "mote gpio detect exited $rc: $(show "$err")"
    else
        same "$g-detect" "mote gpio detect equals gpiodetect: $(show "$out")" "$out" /tmp/gpiodetect
    fi

    "$GPIOINFO" "$chip" >/tmp/gpioinfo 2>&1
    run 20 "$mote" gpio info "$chip"
    if [ "$rc" -ne 0 ]; then
        check "$g-info" FAIL "mote gpio info $chip exited $rc: $(show "$err")"
    else
        same "$g-info" "mote gpio info $chip equals gpioinfo (names, hog \"w1-gpio\" on line 7)" "$out" /tmp/gpioinfo
    fi

    # The four ways to name a chip, and a line by name, all reach line 4 (pulled up by the simulator).
    pull 4 pull-up
    values=""
    for selector in "$chip" "/dev/$chip" "$number" mote-vm; do
        for line in 4 BUTTON; do
            timeout 20 "$mote" gpio get "$selector" "$line" >"$out" 2>"$err" || echo "exit $? $(show "$err")" >>"$out"
            values="$values $(show "$out")"
        done
    done
    if [ "$values" = " 1| 1| 1| 1| 1| 1| 1| 1|" ]; then
        check "$g-selectors" PASS "chip as $chip, /dev/$chip, $number, mote-vm; line as 4 and BUTTON: all read 1"
    else
        check "$g-selectors" FAIL "want eight 1s, got:$values"
    fi

    # The simulator's pull resistor, read back as-is.
    pull 4 pull-up
    run 20 "$mote" gpio get "$chip" 4
    up="$rc:$(show "$out")"
    pull 4 pull-down
    run 20 "$mote" gpio get "$chip" 4
    down="$rc:$(show "$out")"
    if [ "$up" = "0:1|" ] && [ "$down" = "0:0|" ]; then
        check "$g-get-pull" PASS "sim pull-up reads 1, pull-down reads 0"
    else
        check "$g-get-pull" FAIL "pull-up gave $up, pull-down gave $down (want 0:1| and 0:0|) $(show "$err")"
    fi

    # mote's own bias and active-low reach the kernel: the simulator's line follows the requested bias.
    pull 3 pull-down
    run 20 "$mote" gpio get --bias pull-up "$chip" 3
    biased="$rc:$(show "$out")"
    run 20 "$mote" gpio get --bias pull-up --active-low "$chip" 3
    inverted="$rc:$(show "$out")"
    pull 3 pull-up
    run 20 "$mote" gpio get --bias pull-down "$chip" 3
    down="$rc:$(show "$out")"
    if [ "$biased" = "0:1|" ] && [ "$inverted" = "0:0|" ] && [ "$down" = "0:0|" ]; then
        check "$g-get-bias" PASS "--bias pull-up over sim pull-down reads 1 (0 with -l); --bias pull-down over pull-up reads 0"
    else
        check "$g-get-bias" FAIL "pull-up $biased, pull-up -l $inverted, pull-down $down (want 0:1| 0:0| 0:0|) $(show "$err")"
    fi

    # Outputs: the simulator's value file sees what mote drives while --hold keeps the line.
    pull 5 pull-down
    timeout 20 "$mote" gpio set --hold 2s "$chip" SENSOR_POWER=1 >/tmp/set.out 2>&1 &
    holder=$!
    if wait_for 10 line_used 5 mote; then
        high=$(sim_value 5)
        info=$("$GPIOINFO" "$chip" | grep 'line *5:')
    else
        high="never held"
        info=""
    fi
    wait "$holder"
    set_rc=$?
    pull 5 pull-up
    timeout 20 "$mote" gpio set --hold 2s --active-low "$chip" 5=1 >>/tmp/set.out 2>&1 &
    holder=$!
    if wait_for 10 line_used 5 mote; then low=$(sim_value 5); else low="never held"; fi
    wait "$holder"
    low_rc=$?
    case "$info" in *output*) direction=ok ;; *) direction="not output: $info" ;; esac
    if [ "$high" = 1 ] && [ "$low" = 0 ] && [ "$set_rc" = 0 ] && [ "$low_rc" = 0 ] && [ "$direction" = ok ]; then
        check "$g-set" PASS "SENSOR_POWER=1 held: sim value 1, output, consumer mote; -l 5=1 over pull-up: sim value 0"
    else
        check "$g-set" FAIL "sim value $high (want 1), with -l $low (want 0), exits $set_rc/$low_rc, $direction; $(show /tmp/set.out)"
    fi

    # Busy lines: held by gpioset, by another mote, by a kernel hog. Each is refused with exit 75 and names who.
    "$GPIOSET" --mode=signal "$chip" 6=1 >/dev/null 2>&1 &
    holder=$!
    if wait_for 10 line_used 6 gpioset; then
        run 20 "$mote" gpio get "$chip" 6
        if [ "$rc" -eq 75 ] && grep -q 'gpioset' "$err"; then
            check "$g-busy-gpioset" PASS "exit 75: $(show "$err")"
        else
            check "$g-busy-gpioset" FAIL "exit $rc (want 75), stderr: $(show "$err")"
        fi
    else
        check "$g-busy-gpioset" FAIL "gpioset never held line 6"
    fi
    stop "$holder"

    timeout 20 "$mote" gpio set --hold 4s "$chip" 6=1 >/dev/null 2>&1 &
    holder=$!
    if wait_for 10 line_used 6 mote; then
        run 20 "$mote" gpio set "$chip" 6=0
        if [ "$rc" -eq 75 ] && grep -q '"mote"' "$err" && [ "$(sim_value 6)" = 1 ]; then
            check "$g-busy-mote" PASS "second mote refused with exit 75, line stays 1: $(show "$err")"
        else
            check "$g-busy-mote" FAIL "exit $rc (want 75), sim value $(sim_value 6), stderr: $(show "$err")"
        fi
    else
        check "$g-busy-mote" FAIL "the first mote never held line 6"
    fi
    stop "$holder"

    run 20 "$mote" gpio get "$chip" ONEWIRE
    if [ "$rc" -eq 75 ] && grep -q 'w1-gpio' "$err"; then
        check "$g-busy-hog" PASS "exit 75: $(show "$err")"
    else
        check "$g-busy-hog" FAIL "exit $rc (want 75), stderr: $(show "$err")"
    fi

    # Edge events: with --edge rising, flipping the simulator's pull down (filtered) then up gives one RISING
    # EDGE on line 4, stamped between the moments before and after the flip.
    pull 4 pull-up
    timeout 30 "$mote" gpio monitor --edge rising -n 1 --timeout 20s "$chip" BUTTON >/tmp/monitor.out 2>&1 &
    holder=$!
    if wait_for 10 line_used 4 mote; then
        before=$(uptime_now)
        pull 4 pull-down
        sleep 0.2
        pull 4 pull-up
        wait "$holder"
        monitor_rc=$?
        after=$(uptime_now)
        line=$(grep -v '^$' /tmp/monitor.out)
        stamp=$(printf '%s\n' "$line" | sed -n 's/^event:  RISING EDGE offset: 4 timestamp: \[ *\([0-9]*\.[0-9]\{9\}\)\]$/\1/p')
        in_time=$(awk -v s="$stamp" -v b="$before" -v a="$after" 'BEGIN { print (s != "" && s >= b - 0.5 && s <= a + 0.5) ? "yes" : "no" }')
        if [ "$monitor_rc" = 0 ] && [ "$(printf '%s\n' "$line" | wc -l)" = 1 ] && [ "$in_time" = yes ]; then
            check "$g-monitor" PASS "$line (flipped between ${before}s and ${after}s)"
        else
            check "$g-monitor" FAIL "exit $monitor_rc, output: $(show /tmp/monitor.out) (want one RISING EDGE offset 4 stamped in ${before}-${after}s)"
        fi
    else
        stop "$holder"
        check "$g-monitor" FAIL "mote gpio monitor never held line 4: $(show /tmp/monitor.out)"
    fi

    # Both edges as JSON: a falling then a rising event, in order, timestamps increasing.
    pull 4 pull-up
    timeout 30 "$mote" gpio monitor --json -n 2 --timeout 20s "$chip" 4 >/tmp/monitor.out 2>&1 &
    holder=$!
    if wait_for 10 line_used 4 mote; then
        pull 4 pull-down
        sleep 0.2
        pull 4 pull-up
        wait "$holder"
        monitor_rc=$?
        edges=$(sed -n 's/.*"edge":"\([a-z]*\)".*"offset":4.*/\1/p' /tmp/monitor.out | tr '\n' ' ')
        increasing=$(sed -n 's/.*"timestamp_ns":\([0-9]*\).*/\1/p' /tmp/monitor.out |
            awk 'NR > 1 && $1 <= last { bad = 1 } { last = $1; n++ } END { print (n == 2 && !bad) ? "yes" : "no" }')
        if [ "$monitor_rc" = 0 ] && [ "$edges" = "falling rising " ] && [ "$increasing" = yes ]; then
            check "$g-monitor-json" PASS "$(show /tmp/monitor.out)"
        else
            check "$g-monitor-json" FAIL "exit $monitor_rc, edges '$edges', increasing $increasing: $(show /tmp/monitor.out)"
        fi
    else
        stop "$holder"
        check "$g-monitor-json" FAIL "mote gpio monitor never held line 4: $(show /tmp/monitor.out)"
    fi

    # No edge within --timeout: exit 75 and a message, not a hang.
    run 20 "$mote" gpio monitor -n 1 --timeout 1s "$chip" 2
    if [ "$rc" -eq 75 ] && grep -q 'timed out' "$err"; then
        check "$g-monitor-timeout" PASS "exit 75: $(show "$err")"
    else
        check "$g-monitor-timeout" FAIL "exit $rc (want 75), stderr: $(show "$err")"
    fi
done

echo "MOTE-VM-DONE passed=$passed failed=$failed"
