#!/usr/bin/env bash
# A .so that is not a shared library of this machine is named for what it
# is (the ELF header is read before dlopen, which says "No such file or
# directory" of a .so built for another machine): exit 3 and one line.
# The foreign files are a real plugin with its header patched with dd.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
build_plugin good.so "$DATA/dup.c"

# patch FILE OFFSET BYTES...: overwrites bytes (octal escapes) of a copy.
patch()
{
	local out=$1 off=$2
	shift 2
	cp good.so "$out"
	printf "$@" | dd of="$out" bs=1 seek="$off" conv=notrunc status=none
}

# e_machine (offset 18, little-endian here) of this machine's plugins.
em=$(od -An -tu2 -j18 -N2 good.so | tr -d ' ')
case "$em" in
62) host=x86_64 other=aarch64 other_em='\267\000' ;;
183) host=aarch64 other=x86_64 other_em='\076\000' ;;
*)
	echo "-- skipped: machine $em is not x86_64 or aarch64"
	exit 0
	;;
esac

check "a plugin of this machine loads"
expect_exit 0 execute good.so

check "a .so built for another machine says so"
patch foreign.so 18 "$other_em"
expect_exit 3 execute foreign.so
assert_eq "ctask execute: foreign.so: built for $other, this machine is $host" "$err"
assert_not_contains "$err" "No such file"

check "an unknown machine is named by its number"
patch odd.so 18 '\064\022'
expect_exit 3 status odd.so
assert_contains "$err" "odd.so: built for ELF machine 4660, this machine is $host"

check "a 32-bit or big-endian ELF file says so"
patch elf32.so 4 '\001'
expect_exit 3 execute elf32.so
assert_contains "$err" "elf32.so: a 32-bit ELF file, this ctask is 64-bit"
patch be.so 5 '\002'
expect_exit 3 execute be.so
assert_contains "$err" "be.so: a big-endian ELF file, this machine is little-endian"

check "a file that is not ELF at all, or too short, says so"
echo "int main;" >text.so
expect_exit 3 execute text.so
assert_eq "ctask execute: text.so: not a shared library (not an ELF file)" "$err"
printf '\177ELF' >short.so
expect_exit 3 execute short.so
assert_contains "$err" "short.so: not a shared library (not an ELF file)"
