/*
 * One datagram to an AF_UNIX socket, for the systemd notify protocol.
 *
 * Node.js has no unix datagram sockets (node:dgram is UDP only, node:net is SOCK_STREAM, which
 * systemd's notify socket refuses with EPROTOTYPE), and the well-known addon (unix-dgram) copies
 * the address with strncpy, so abstract-namespace addresses ("@/org/freedesktop/...", a leading
 * NUL byte) cannot be reached through it. This is the whole of what we need instead: Node-API only
 * (ABI-stable across Node versions), no dependencies, built with the system C compiler.
 *
 * send(address: Buffer, payload: Buffer): number
 *   address: the raw sun_path bytes (a leading 0 byte for the abstract namespace), at most 108
 *   returns 0, or the errno of socket()/sendto() (EAGAIN when the receiver's queue is full; the
 *   send never blocks the event loop).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <node_api.h>

static napi_value make_int(napi_env env, int v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

static napi_value send_datagram(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, NULL, "send(address: Buffer, payload: Buffer)");
    return NULL;
  }
  void *addr = NULL, *data = NULL;
  size_t addr_len = 0, data_len = 0;
  if (napi_get_buffer_info(env, argv[0], &addr, &addr_len) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &data_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "address and payload must be Buffers");
    return NULL;
  }
  struct sockaddr_un sa;
  if (addr_len == 0 || addr_len > sizeof(sa.sun_path)) return make_int(env, EINVAL);
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, addr, addr_len);
  /* The exact length matters for abstract names: trailing zero bytes would be part of the name. */
  socklen_t sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + addr_len);

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_int(env, errno);
  ssize_t r;
  do {
    r = sendto(fd, data, data_len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, sa_len);
  } while (r < 0 && errno == EINTR);
  int err = r < 0 ? errno : 0;
  close(fd);
  return make_int(env, err);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, send_datagram, NULL, &fn);
  napi_set_named_property(env, exports, "send", fn);
  return exports;
}
