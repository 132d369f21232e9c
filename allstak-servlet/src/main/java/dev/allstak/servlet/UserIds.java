package dev.allstak.servlet;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What an authenticated user is sent as: the name the container gives ({@code getUserPrincipal()},
 * else {@code getRemoteUser()}), unless {@code sendDefaultPii} is off and that name looks like an
 * e-mail address ({@code x@y.z}, Kerberos principals included): then {@code hmac-sha256:} and 32 hex
 * digits of HMAC-SHA256 of the name keyed with the API key. So no e-mail address leaves the process
 * by default, while one user keeps one id across requests, sessions and processes of the project
 * (crash-free users still count), and the id cannot be matched to an address without the key.
 */
final class UserIds {
  static final String HASH_PREFIX = "hmac-sha256:";
  private static final int HASH_BYTES = 16;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Names sent as they are: {@code sendDefaultPii} is on. */
  static final UserIds AS_GIVEN = new UserIds(false, null);

  private final boolean hideEmails;
  /**
   * Initialised with the key once; each use works on a clone (a {@code Mac} is not thread-safe).
   * Null when hiding: an e-mail address is then not sent at all.
   */
  private final Mac prototype;

  private UserIds(boolean hideEmails, Mac prototype) {
    this.hideEmails = hideEmails;
    this.prototype = prototype;
  }

  /** User ids for a client: names as given with {@code sendDefaultPii}, else e-mail addresses hashed. */
  static UserIds forClient(boolean sendDefaultPii, String apiKey) {
    if (sendDefaultPii) {
      return AS_GIVEN;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(apiKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.clone();
      return new UserIds(true, mac);
    } catch (GeneralSecurityException | CloneNotSupportedException e) {
      // Every Java platform has a cloneable HmacSHA256; were it missing, no e-mail is sent at all.
      return new UserIds(true, null);
    }
  }

  /** The id sent for the user named {@code name}, or null without a user. */
  String of(String name) {
    if (name == null || !hideEmails || !looksLikeEmail(name)) {
      return name;
    }
    if (prototype == null) {
      return null;
    }
    byte[] digest;
    try {
      digest = ((Mac) prototype.clone()).doFinal(name.getBytes(StandardCharsets.UTF_8));
    } catch (CloneNotSupportedException e) {
      return null; // cloned once already in forClient: cannot happen
    }
    char[] out = new char[HASH_BYTES * 2];
    for (int i = 0; i < HASH_BYTES; i++) {
      out[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return HASH_PREFIX + new String(out);
  }

  /** {@code local@domain.tld}: something before the last {@code @}, a dot inside what follows. */
  static boolean looksLikeEmail(String name) {
    int at = name.lastIndexOf('@');
    if (at <= 0) {
      return false;
    }
    int dot = name.indexOf('.', at + 2);
    return dot > 0 && dot < name.length() - 1;
  }
}
