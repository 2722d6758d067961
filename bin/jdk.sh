# Sourced by the other scripts: puts a JDK 21 or newer first on PATH (and in JAVA_HOME),
# whatever the default `java` is. Looks at JAVA_HOME, `java` on PATH, then /usr/lib/jvm/*.
java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}
find_jdk() {
    local candidates=()
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if command -v javac >/dev/null 2>&1; then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
    fi
    for d in /usr/lib/jvm/*/ /opt/java/openjdk/ /usr/local/openjdk*/; do
        [ -d "$d" ] && candidates+=("${d%/}")
    done
    local best="" best_v=0 v
    for c in "${candidates[@]}"; do
        [ -x "$c/bin/javac" ] || continue
        v=$(java_major "$c")
        [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ] && best="$c" best_v="$v"
    done
    [ -n "$best" ] && echo "$best"
}
SSE_JDK=$(find_jdk) || true
if [ -z "${SSE_JDK:-}" ]; then
    echo "No JDK 21 or newer found (looked at JAVA_HOME, PATH and /usr/lib/jvm). Install one, e.g. openjdk-21-jdk." >&2
    exit 1
fi
export JAVA_HOME="$SSE_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
