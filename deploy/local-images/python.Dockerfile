# Python 3.11 on Debian bookworm from Debian's packages: the Dockerfile's BASE_IMAGE where the official
# python image cannot be pulled (scripts/local_images.sh).
ARG DEBIAN_IMAGE=midi-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && ln -s /usr/bin/python3 /usr/local/bin/python
ENV LANG=C.UTF-8
CMD ["python3"]
