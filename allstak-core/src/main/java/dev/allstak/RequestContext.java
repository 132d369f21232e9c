package dev.allstak;

/**
 * The HTTP request an error happened in, sent as the event's {@code requestContext}.
 *
 * <p>{@code userAgent} and {@code clientIp} are personal data: the SDK sends them only when {@code
 * sendDefaultPii} is on, whatever the integration put here.
 */
public final class RequestContext {
  private final String method;
  private final String path;
  private final String host;
  private final int statusCode;
  private final String userAgent;
  private final String clientIp;

  private RequestContext(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.host = b.host;
    this.statusCode = b.statusCode;
    this.userAgent = b.userAgent;
    this.clientIp = b.clientIp;
  }

  /** Returns an empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The HTTP method, such as {@code GET}, or null. */
  public String method() {
    return method;
  }

  /** The request path without the query string, or null. */
  public String path() {
    return path;
  }

  /** The {@code Host} the request was sent to, or null. */
  public String host() {
    return host;
  }

  /** The response status, or 0 when unknown. */
  public int statusCode() {
    return statusCode;
  }

  /** The client's {@code User-Agent}, or null. Sent only with {@code sendDefaultPii}. */
  public String userAgent() {
    return userAgent;
  }

  /** The client's IP address, or null. Sent only with {@code sendDefaultPii}. */
  public String clientIp() {
    return clientIp;
  }

  /** Builds a {@link RequestContext}; every field is optional. */
  public static final class Builder {
    private String method;
    private String path;
    private String host;
    private int statusCode;
    private String userAgent;
    private String clientIp;

    private Builder() {}

    public Builder method(String method) {
      this.method = method;
      return this;
    }

    /** The path; anything from {@code ?} on is cut off so that no query string is ever sent. */
    public Builder path(String path) {
      int q = path == null ? -1 : path.indexOf('?');
      this.path = q >= 0 ? path.substring(0, q) : path;
      return this;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder statusCode(int statusCode) {
      this.statusCode = statusCode;
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    public Builder clientIp(String clientIp) {
      this.clientIp = clientIp;
      return this;
    }

    public RequestContext build() {
      return new RequestContext(this);
    }
  }
}
