# nginx from Debian's packages (1.22) and wget for the compose health check, where nginx:alpine
# cannot be pulled (scripts/local_images.sh). deploy/nginx.conf is mounted over the configuration.
ARG DEBIAN_IMAGE=midi-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx wget \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /etc/nginx/sites-enabled/*
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
