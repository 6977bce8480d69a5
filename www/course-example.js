// The elements re-dispatch their instance's events; a course page can react to them.
for (const id of ['first', 'second']) {
  const out = document.getElementById(id + '-heard');
  document.getElementById(id).addEventListener('kafka-leader', (e) => {
    const { topic, partition, leader, epoch, time } = e.detail;
    out.textContent = `At ${(time / 1000).toFixed(1)} s: ${topic}-${partition} is led by ` +
      (leader < 0 ? 'nobody' : `broker ${leader}`) + ` (epoch ${epoch}).`;
  });
}
