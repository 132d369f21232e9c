package dev.allstak.examples.collector;

/**
 * A request the collector refuses: the HTTP status, the machine-readable code of the error body and
 * a sentence for the developer reading it.
 */
final class Rejection extends Exception {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;
  final String field;

  Rejection(int status, String code, String message) {
    this(status, code, null, message);
  }

  Rejection(int status, String code, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  static Rejection invalid(String field, String message) {
    return new Rejection(400, "VALIDATION_ERROR", field, field + " " + message);
  }
}
