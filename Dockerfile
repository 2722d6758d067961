# Build stage: the same `mvn package` as bin/test, producing target/sse-broadcaster.jar + target/libs/.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY web web
RUN mvn -B -q -DskipTests package

# Runtime stage: a JRE, the jar and its libs, a non-root user.
# JDK 25: bin/jvm.options turns on compact object headers there (about 1 KB less per connection)
FROM eclipse-temurin:25-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && groupadd --system sse && useradd --system --gid sse --uid 10001 --no-create-home sse
WORKDIR /app
COPY --from=build /src/target/sse-broadcaster.jar /app/sse-broadcaster.jar
COPY --from=build /src/target/libs /app/libs
COPY bin/jvm.options /app/jvm.options
USER sse
EXPOSE 8888
# Ready means the broker works (with --broker redis: Redis reachable)
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8888/observe/health/ready || exit 1
# Every option can also be given as an SSE_* environment variable (e.g. SSE_BROKER=redis), or as
# arguments after the image name. SSE_JAVA_OPTS adds JVM flags after jvm.options (e.g. -Xmx2g), as bin/run does.
ENTRYPOINT ["sh", "-c", "exec java @/app/jvm.options $SSE_JAVA_OPTS -jar /app/sse-broadcaster.jar --listen 0.0.0.0 \"$@\"", "sse-broadcaster"]
