package io.ssebroadcaster.config;

import picocli.CommandLine.ITypeConverter;

/** Accepts cyclone_sse's broker names: {@code http} is the in-process broker. */
final class BrokerKindConverter implements ITypeConverter<Settings.BrokerKind> {
    @Override
    public Settings.BrokerKind convert(String value) {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "memory", "http" -> Settings.BrokerKind.MEMORY;
            case "redis" -> Settings.BrokerKind.REDIS;
            default -> throw new IllegalArgumentException("expected memory, http or redis, got '" + value + "'");
        };
    }
}
