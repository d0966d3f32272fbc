# ClamAV's daemon from Debian's packages (clamav-daemon 1.0, freshclam, clamdscan for the health check),
# where the official clamav/clamav image cannot be pulled (scripts/local_images.sh). The signatures live
# in /var/lib/clamav (a volume): freshclam downloads them at the first start and keeps them current,
# unless CLAMAV_SIGNATURES=test-eicar (clamav-entrypoint.sh).
ARG DEBIAN_IMAGE=midi-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends clamav-daemon clamav-freshclam clamdscan \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/lib/clamav/* \
 && install -d -o clamav -g clamav /var/lib/clamav /run/clamav
COPY clamav-entrypoint.sh /usr/local/bin/clamav-entrypoint
# clamd.conf: deploy/clamd.conf, mounted by docker-compose.yml (as over the official image).
USER clamav
EXPOSE 3310
ENTRYPOINT ["clamav-entrypoint"]
CMD ["clamd"]
