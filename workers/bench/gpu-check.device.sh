set -u
D=workers/node_modules/.devcheck   # carried bundle: node.xz, mods.tar.xz, libvulkan1 + glvnd debs (see README)
mkdir -p /tmp/n /tmp/m
xz -dc $D/node.xz > /tmp/n/node && chmod +x /tmp/n/node
tar -xJf $D/mods.tar.xz -C /tmp/m
for f in $D/*.deb; do dpkg -x $f /; done; ldconfig
ldconfig -p | grep -i vulkan | head -3
ls /usr/local/nvidia/share/vulkan/icd.d/ 2>&1
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json; cat $VK_DRIVER_FILES; ls /usr/local/nvidia/lib64 2>/dev/null | grep -i -E "glx|vulkan|egl" | head
[ -e node_modules ] || ln -s /tmp/m/node_modules node_modules
nvidia-smi --query-gpu=name,memory.total,driver_version,uuid --format=csv,noheader,nounits > $OUT/nvidia-smi.csv 2>&1
timeout 400 /tmp/n/node workers/bench/gpu-check.mjs > $OUT/gpu-check.json 2> $OUT/gpu-check.stderr
echo rc=$?
tail -c 3000 $OUT/gpu-check.stderr
head -c 4000 $OUT/gpu-check.json
