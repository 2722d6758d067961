# Build stage: the same `mvn package` as bin/test, producing target/sse-broadcaster.jar + target/libs/.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY web web
RUN mvn -B -q -DskipTests package

# Runtime stage: a JRE, the jar and its libs, a non-root user.
FROM eclipse-temurin:21-jre
RUN groupadd --system sse && useradd --system --gid sse --uid 10001 --no-create-home sse
WORKDIR /app
COPY --from=build /src/target/sse-broadcaster.jar /app/sse-broadcaster.jar
COPY --from=build /src/target/libs /app/libs
USER sse
EXPOSE 8888
# Every option can also be given as an SSE_* environment variable (e.g. SSE_BROKER=redis).
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/sse-broadcaster.jar", "--listen", "0.0.0.0"]
