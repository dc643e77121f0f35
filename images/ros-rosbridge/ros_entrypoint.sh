#!/bin/bash
# Sets up the ROS environment, then runs the command: what the official images' entrypoint does
# (osrf/docker_images ros/jazzy/ubuntu/noble/ros-core/ros_entrypoint.sh@368c7cde), plus the log
# directory, which lives on a tmpfs that starts empty.
set -e

mkdir -p "${ROS_LOG_DIR:?}"
# shellcheck source=/dev/null
source "/opt/ros/${ROS_DISTRO:?}/setup.bash" --
exec "$@"
