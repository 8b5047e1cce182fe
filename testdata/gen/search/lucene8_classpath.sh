#!/usr/bin/env bash
# Prints a classpath of Lucene 8.8.1's jars, unpacking Debian's
# liblucene8-java into WORKDIR/lucene8 first when it is not there yet.
# (Debian names the 8.8.1 jars *-8.7.0.jar; their manifests say 8.8.1.)
# Usage: lucene8_classpath.sh WORKDIR
set -euo pipefail
work=$1
dest="$work/lucene8"
jars="$dest/usr/share/java"
if [ ! -f "$jars/lucene-core-8.7.0.jar" ]; then
	mkdir -p "$dest"
	(
		cd "$work"
		apt-get download liblucene8-java >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download liblucene8-java >/dev/null 2>&1; }
		dpkg-deb -x liblucene8-java_*.deb "$dest"
	)
fi
ver=$(unzip -p "$jars/lucene-core-8.7.0.jar" META-INF/MANIFEST.MF | sed -n 's/^Specification-Version: //p' | tr -d '\r')
[ "$ver" = 8.8.1 ] || { echo "lucene8_classpath.sh: expected Lucene 8.8.1, the jar says $ver" >&2; exit 1; }
echo "$jars/lucene-core-8.7.0.jar:$jars/lucene-analyzers-common-8.7.0.jar:$jars/lucene-queryparser-8.7.0.jar:$jars/lucene-queries-8.7.0.jar:$jars/lucene-sandbox-8.7.0.jar"
