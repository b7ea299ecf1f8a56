# Linger as a container image. Not built or run on Linger's own CI machines (no container engine
# there): what is proven is that the binary this copies runs in a bare Debian root
# (.ci/prove-release). Build and use:
#   docker build -t linger .
#   docker run --rm -v "$PWD:/scan" linger scan --git /scan
#
# Build stage: the Swift toolchain, the -dev libraries, and the relocatable release build.
FROM swift:6.0-bookworm AS build
WORKDIR /src
COPY . .
RUN bash .ci/install-deps \
    && bash .ci/build-release \
    && mkdir /out \
    && tar -xzf dist/linger-*-linux-"$(uname -m)".tar.gz -C /out --strip-components 1

# Runtime stage: the one binary and git (for `git` commands in hooks; Linger reads repositories
# itself). No Swift runtime, no -dev package.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 linger \
    && git config --system --add safe.directory '*'
COPY --from=build /out/linger /usr/local/bin/linger
COPY --from=build /out/README.md /out/LICENSE /usr/share/doc/linger/
USER linger
WORKDIR /scan
ENTRYPOINT ["linger"]
CMD ["--help"]
